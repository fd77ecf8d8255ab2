"""The Polish words of every refusal (see ``vnfil.platform.refusals``): English template →
Polish template, ``{}`` in English where a value goes and ``{0}``, ``{1}``… in Polish."""

PL: dict[str, str] = {
    # activities/cases.py
    "the database refused a value of this step: {}": (
        "baza danych odrzuciła wartość podaną w tym kroku: {0}"
    ),
    "no case {}": "nie ma sprawy {0}",
    "not certified: {}": "nie można wydać certyfikatu: {0}",
    # activities/credentials.py
    "the status list of credential {} kept changing; retrying": (
        "lista statusów poświadczenia {0} wciąż się zmieniała; ponawianie próby"
    ),
    "credential {} has no status entry": "poświadczenie {0} nie ma wpisu na liście statusów",
    # activities/events.py
    "attempt {}: {}": "próba {0}: {1}",
    # api/cases.py
    "no standard {}": "nie ma standardu {0}",
    "no centre {}": "nie ma instytucji walidującej {0}",
    "this centre cannot validate this standard: {}": (
        "ta instytucja nie może prowadzić walidacji według tego standardu: {0}"
    ),
    "the step could not be taken: {}": "nie udało się wykonać tego kroku: {0}",
    "this case's workflow has ended; it takes no more steps": (
        "przebieg tej sprawy został zakończony; nie można wykonać kolejnych kroków"
    ),
    # api/deps.py
    "{} is at most {} KiB": "{0} może mieć najwyżej {1} KiB",
    "missing bearer token: send 'Authorization: Bearer <token>', or sign in": (
        "brak tokenu dostępu: wyślij nagłówek 'Authorization: Bearer <token>' albo zaloguj się"
    ),
    "missing or wrong X-CSRF-Token for a signed-in session": (
        "brak lub nieprawidłowy nagłówek X-CSRF-Token dla zalogowanej sesji"
    ),
    "this session's account is gone": "konto powiązane z tą sesją już nie istnieje",
    "case {} is not yours to see: {}": "brak dostępu do sprawy {0}: {1}",
    "unknown or revoked token": "nieznany lub unieważniony token",
    "membership {} is not one of yours": "członkostwo {0} nie należy do tego konta",
    "a {} may not do this; allowed: {}": (
        "ta czynność nie jest dostępna dla roli: {0}; dozwolone role: {1}"
    ),
    "Content-Length is not a number": "nagłówek Content-Length nie jest liczbą",
    'lists are paged by cursor: follow the Link rel="next" header (offset is gone)': (
        'listy są stronicowane kursorem: przejdź pod adres z nagłówka Link rel="next" '
        "(parametru offset już nie ma)"
    ),
    'not a cursor of this list ({}): start from the first page and follow its Link rel="next" '
    "header": (
        "to nie jest kursor tej listy ({0}): zacznij od pierwszej strony i przechodź dalej pod "
        'adres z nagłówka Link rel="next"'
    ),
    # vnfil/platform/paging.py (why a cursor is refused)
    "it is malformed": "ma nieprawidłową postać",
    "it was changed, or signed by another server": (
        "został zmieniony albo podpisany przez inny serwer"
    ),
    "it belongs to another list": "należy do innej listy",
    # api/main.py
    "the workflow service did not answer: {}": (
        "usługa obsługi przebiegu spraw nie odpowiedziała: {0}"
    ),
    "this case cannot be read right now; try again later": (
        "tej sprawy nie można teraz odczytać; spróbuj ponownie później"
    ),
    "the evidence store did not answer ({})": "magazyn plików z dowodami nie odpowiedział ({0})",
    "the database did not answer": "baza danych nie odpowiedziała",
    # api/routes/auth.py
    "not signed in": "nie zalogowano się",
    "bearer tokens choose a membership per request with the X-Vnfil-Membership header": (
        "przy logowaniu tokenem (bearer) rolę w instytucji wybiera się w każdym żądaniu nagłówkiem "
        "X-Vnfil-Membership"
    ),
    "that membership is not yours": "to członkostwo nie należy do tego konta",
    "the current password is wrong": "obecne hasło jest nieprawidłowe",
    "an admin invites only to the centre they administer": (
        "administrator może zapraszać tylko do instytucji, którą administruje"
    ),
    "an issuer invites only to their own awarding body": (
        "wydający poświadczenia może zapraszać tylko do własnej instytucji certyfikującej"
    ),
    "the platform operator invites a centre's administrators; they invite its staff": (
        "operator platformy zaprasza administratorów instytucji walidującej; jej pracowników "
        "zapraszają administratorzy"
    ),
    # api/routes/cases.py
    "awarding body {} has no signing key: run `vnfil keys create {}` first": (
        "instytucja certyfikująca {0} nie ma klucza podpisu: najpierw uruchom `vnfil keys create "
        "{1}`"
    ),
    "{} is not a {} of this case's centre": (
        "{0} nie ma w instytucji prowadzącej tę sprawę roli: {1}"
    ),
    # api/routes/centres.py
    "centre staff see only their own centre": (
        "pracownicy instytucji mają dostęp tylko do własnej instytucji"
    ),
    # api/routes/credentials.py
    "no credential {}": "nie ma poświadczenia {0}",
    "issuers see only credentials of their own standards; others only their cases'": (
        "wydający poświadczenia widzą tylko poświadczenia własnych standardów; pozostali – tylko "
        "poświadczenia ze swoich spraw"
    ),
    "only the credential's awarding body or the centre that ran the case may revoke it": (
        "poświadczenie może unieważnić tylko instytucja certyfikująca, która je wydała, albo "
        "instytucja walidująca, która prowadziła sprawę"
    ),
    "credential {} was already revoked on {}": (
        "poświadczenie {0} zostało już unieważnione dnia {1}"
    ),
    "credential {} was issued unsigned, without a status entry": (
        "poświadczenie {0} zostało wydane bez podpisu i bez wpisu na liście statusów"
    ),
    "a {} does not list credentials": "lista poświadczeń nie jest dostępna dla roli: {0}",
    # api/routes/events.py
    "this issuer account has no awarding body": (
        "to konto wydającego poświadczenia nie jest przypisane do żadnej instytucji certyfikującej"
    ),
    "no webhook subscription {} of yours": (
        "nie ma subskrypcji webhooka {0} tej instytucji certyfikującej"
    ),
    "webhook URLs must use https in production": (
        "adresy URL webhooków w środowisku produkcyjnym muszą używać https"
    ),
    "no event {} of yours": "nie ma zdarzenia {0} tej instytucji certyfikującej",
    "no active webhook subscription takes {} events": (
        "żadna aktywna subskrypcja webhooka nie przyjmuje zdarzeń „{0}”"
    ),
    "webhook subscription {} is deactivated": "subskrypcja webhooka {0} jest wyłączona",
    "webhook subscription {} does not take {} events (it takes {})": (
        "subskrypcja webhooka {0} nie przyjmuje zdarzeń „{1}” (przyjmuje: {2})"
    ),
    # api/routes/evidence.py
    (
        "the workflow service did not confirm this evidence; it may have been recorded: retry with "
        "the same Idempotency-Key, or look at the portfolio first"
    ): (
        "usługa obsługi przebiegu spraw nie potwierdziła przyjęcia tego dowodu, ale mógł on zostać "
        "zapisany: ponów próbę z tym samym Idempotency-Key albo najpierw sprawdź portfolio"
    ),
    (
        "this Idempotency-Key was already used for another upload (a different file, kind or "
        "outcomes); use a new key for a new file"
    ): (
        "ten Idempotency-Key został już użyty przy innym przesłaniu (inny plik, rodzaj dowodu lub "
        "efekty uczenia się); dla nowego pliku użyj nowego klucza"
    ),
    "an upload with this Idempotency-Key is still being recorded; retry shortly": (
        "przesłanie z tym Idempotency-Key jest jeszcze zapisywane; ponów próbę za chwilę"
    ),
    "the file is larger than the limit of {}": "plik przekracza dopuszczalny rozmiar {0}",
    (
        "the portfolio takes evidence only in documentation while the case is open; the case is {} "
        "in {}"
    ): (
        "dowody można dodawać do portfolio tylko na etapie dokumentowania, gdy sprawa jest w toku; "
        "stan sprawy: {0}, etap: {1}"
    ),
    "evidence maps to outcomes not selected: {}": (
        "dowód jest przypisany do efektów uczenia się, które nie zostały wybrane: {0}"
    ),
    "this kind of file ({}) is not accepted; allowed: {}": (
        "ten rodzaj pliku ({0}) nie jest przyjmowany; dozwolone: {1}"
    ),
    "no evidence {} in this case": "w tej sprawie nie ma dowodu {0}",
    "an identity photo is {}, not {}": (
        "zdjęcie do potwierdzenia tożsamości musi mieć format {0}, a nie {1}"
    ),
    "the file of evidence {} is not in the store": "pliku dowodu {0} nie ma w magazynie plików",
    # api/routes/pages.py
    "no such invitation": "nie ma takiego zaproszenia",
    "no such subscription of yours": "nie ma takiej subskrypcji tej instytucji certyfikującej",
    "centre admins export their cases": (
        "eksport spraw jest dostępny tylko dla administratorów instytucji"
    ),
    "no such case of yours": "nie ma takiej sprawy albo brak do niej dostępu",
    # api/routes/standards.py
    "the file is not UTF-8 text": "plik nie jest tekstem w kodowaniu UTF-8",
    # api/routes/trust.py
    "you act for no awarding body": (
        "to konto nie działa w imieniu żadnej instytucji certyfikującej"
    ),
    "no accreditation {}": "nie ma akredytacji {0}",
    "the accreditation could not be recorded now; nothing was changed, try again": (
        "nie udało się teraz zapisać akredytacji; nic nie zostało zmienione, spróbuj ponownie"
    ),
    # api/routes/users.py
    "{} is already registered": "adres {0} jest już zarejestrowany",
    # api/routes/verify.py
    "no status list {}": "nie ma listy statusów {0}",
    "no awarding body {}": "nie ma instytucji certyfikującej {0}",
    # api/uploads.py
    "malformed multipart/form-data body: {}": "nieprawidłowa treść multipart/form-data: {0}",
    "multipart/form-data without a boundary": "multipart/form-data bez parametru boundary",
    "the form has no 'file' part": "formularz nie zawiera części 'file'",
    "the 'file' part has no filename": "część 'file' nie ma nazwy pliku",
    "the upload ended mid-file": "przesyłanie zostało przerwane w trakcie pliku",
    "a raw upload needs ?filename=...; or send multipart/form-data with a 'file' part": (
        "przesłanie samego pliku wymaga parametru ?filename=...; można też wysłać "
        "multipart/form-data z częścią 'file'"
    ),
    # vnfil/accounts/service.py
    "wrong e-mail or password": "nieprawidłowy adres e-mail lub hasło",
    "too many failed sign-ins; wait 15 minutes": (
        "zbyt wiele nieudanych prób logowania; spróbuj ponownie za 15 minut"
    ),
    "this invitation was already accepted": "to zaproszenie zostało już przyjęte",
    "this invitation has expired; ask for a new one": "to zaproszenie wygasło; poproś o nowe",
    (
        "give the password of the account at the invited address or, if you have none, your name "
        "and a new password"
    ): (
        "podaj hasło do konta założonego na adres z zaproszenia, a jeśli takiego konta nie ma – "
        "imię i nazwisko oraz nowe hasło"
    ),
    "this invitation or its address was used at the same moment; try again": (
        "to zaproszenie lub jego adres zostały w tej samej chwili użyte gdzie indziej; spróbuj "
        "ponownie"
    ),
    "this link to choose a new password is not valid; ask for a new one": (
        "ten link do ustawienia nowego hasła jest nieprawidłowy; poproś o nowy"
    ),
    "this link was already used; ask for a new one if you need it": (
        "ten link został już użyty; w razie potrzeby poproś o nowy"
    ),
    "this link has expired (it works for an hour); ask for a new one": (
        "ten link wygasł (jest ważny przez godzinę); poproś o nowy"
    ),
    # vnfil/cases/audit.py
    "audit entry {} of case {} is not written yet": (
        "wpis {0} w historii sprawy {1} nie został jeszcze zapisany"
    ),
    # vnfil/cases/rules.py
    "the case is closed ({}); it takes no more steps": (
        "sprawa jest zamknięta ({0}); nie można w niej wykonać kolejnych kroków"
    ),
    "the case is in {}; this step belongs to {}": (
        "sprawa jest na etapie: {0}; ten krok należy do etapu: {1}"
    ),
    "this step is too large ({} KiB); the limit is {} KiB": (
        "dane tego kroku są za duże ({0} KiB); limit wynosi {1} KiB"
    ),
    "unknown learning outcomes: {}": "nieznane efekty uczenia się: {0}",
    "a learning outcome is selected twice": "efekt uczenia się został wybrany dwukrotnie",
    "the plan's milestones must be in date order": (
        "kamienie milowe planu muszą być uporządkowane według dat"
    ),
    "self-assessment names outcomes not selected: {}": (
        "samoocena dotyczy efektów uczenia się, które nie zostały wybrane: {0}"
    ),
    "only the candidate, a counsellor or the centre may complete identification": (
        "etap identyfikacji może zakończyć tylko kandydat, doradca walidacyjny lub instytucja "
        "walidująca"
    ),
    "answer each of the standard's {} prerequisites, in order": (
        "podaj odpowiedź dla każdego z warunków wstępnych standardu (liczba warunków: {0}), w "
        "podanej kolejności"
    ),
    "only a counsellor records counselling": (
        "tylko doradca walidacyjny może zapisać spotkanie doradcze"
    ),
    "the portfolio is already submitted": "portfolio zostało już złożone",
    "only a counsellor reviews the portfolio": "tylko doradca walidacyjny może przejrzeć portfolio",
    "only the case's own counsellor reviews its portfolio": (
        "portfolio może przejrzeć tylko doradca walidacyjny prowadzący tę sprawę"
    ),
    "an outcome is named twice: {}": "efekt uczenia się podano dwukrotnie: {0}",
    "the file must be one uploaded to this case's portfolio": (
        "plik musi być przesłany do portfolio tej sprawy"
    ),
    "only the candidate removes evidence from the portfolio": (
        "tylko kandydat może usuwać dowody z portfolio"
    ),
    "the portfolio was submitted: it is frozen": (
        "portfolio zostało złożone i nie można go już zmieniać"
    ),
    "the portfolio holds no evidence {}": "portfolio nie zawiera dowodu {0}",
    "only the candidate adds evidence to the portfolio": (
        "tylko kandydat może dodawać dowody do portfolio"
    ),
    "this evidence is already in the portfolio": "ten dowód jest już w portfolio",
    "only the candidate submits": "tylko kandydat może złożyć portfolio",
    "no evidence yet for outcomes: {}": "brak jeszcze dowodów dla efektów uczenia się: {0}",
    "the panel has already started deciding": "komisja rozpoczęła już podejmowanie decyzji",
    "only the centre assigns a panel": "tylko instytucja walidująca może wyznaczyć komisję",
    "the candidate or the case's counsellor cannot assess the case": (
        "kandydat ani doradca walidacyjny tej sprawy nie mogą jej oceniać"
    ),
    "declared a conflict of interest with this case: {}": (
        "konflikt interesów w tej sprawie zgłosili: {0}"
    ),
    "the candidate cannot supervise their own assessment": (
        "kandydat nie może nadzorować własnej weryfikacji"
    ),
    "an assessor is listed twice": "asesor został podany dwukrotnie",
    "the panel needs at least {} assessors": "minimalna liczba asesorów w komisji: {0}",
    "a panel has at most {} assessors": "maksymalna liczba asesorów w komisji: {0}",
    "the chair must be one of the assessors": "przewodniczący komisji musi być jednym z asesorów",
    "this standard requires identity verification on site": (
        "ten standard wymaga potwierdzenia tożsamości na miejscu"
    ),
    "the photo must be one uploaded for this case's identity check": (
        "zdjęcie musi być przesłane do potwierdzenia tożsamości w tej sprawie"
    ),
    "only the case's supervisor verifies identity": (
        "tożsamość może potwierdzić tylko nadzorujący tożsamość w tej sprawie"
    ),
    "decisions have already been recorded": "decyzje zostały już zapisane",
    "give either a place or an online link": "podaj albo miejsce, albo link do spotkania online",
    "outcomes not under validation: {}": "efekty uczenia się nieobjęte walidacją: {0}",
    "the standard does not allow {} for: {}": (
        "standard nie dopuszcza metody weryfikacji „{0}” dla efektów uczenia się: {1}"
    ),
    "only the centre schedules sessions": "tylko instytucja walidująca może planować sesje",
    "an outcome is decided twice": "decyzję dla efektu uczenia się podano dwukrotnie",
    "only an assessor assigned to this case's panel decides": (
        "decyzję może podjąć tylko asesor wyznaczony do komisji w tej sprawie"
    ),
    "this assessor has already decided": "ten asesor już podjął decyzję",
    "the panel is short of {} assessors; the centre must assign a replacement": (
        "komisja ma za mało asesorów (wymagane minimum: {0}); instytucja walidująca musi wyznaczyć "
        "zastępstwo"
    ),
    "the panel has decided; the chair resolves the disagreement": (
        "komisja już zdecydowała; rozbieżność rozstrzyga przewodniczący komisji"
    ),
    "outcomes not under assessment: {}": "efekty uczenia się nieobjęte weryfikacją: {0}",
    "no decision for outcomes: {}": "brak decyzji dla efektów uczenia się: {0}",
    "unknown evidence: {}": "nieznane dowody: {0}",
    "there is no disagreement for the chair to resolve": (
        "nie ma rozbieżności do rozstrzygnięcia przez przewodniczącego komisji"
    ),
    "only the panel's chair resolves": "rozbieżność może rozstrzygnąć tylko przewodniczący komisji",
    "resolve exactly the disputed outcomes: {}": (
        "rozstrzygnięcie musi obejmować dokładnie te sporne efekty uczenia się: {0}"
    ),
    "the case is closed": "sprawa jest zamknięta",
    "staff declare their own conflicts; the centre records anyone's": (
        "pracownicy zgłaszają własne konflikty interesów; instytucja walidująca może zapisać "
        "konflikt interesów każdej osoby"
    ),
    "this assessor has already decided; the decision stands in the audit trail": (
        "ten asesor już podjął decyzję; decyzja pozostaje w historii sprawy"
    ),
    "this conflict is already declared": "ten konflikt interesów został już zgłoszony",
    "there is no result waiting for the candidate's answer": (
        "nie ma wyniku oczekującego na odpowiedź kandydata"
    ),
    "only the candidate appeals": "tylko kandydat może złożyć odwołanie",
    "the result after an appeal is final": "wynik po odwołaniu jest ostateczny",
    "the appeal window has closed": "termin na złożenie odwołania minął",
    "only the candidate accepts the result (and so waives the appeal)": (
        "tylko kandydat może zaakceptować wynik (i tym samym zrezygnować z odwołania)"
    ),
    "only the centre certifies, on behalf of the awarding body": (
        "certyfikat wydaje tylko instytucja walidująca, w imieniu instytucji certyfikującej"
    ),
    "the case is already closed ({})": "sprawa jest już zamknięta ({0})",
    "only the candidate withdraws their case": "tylko kandydat może wycofać swoją sprawę",
    "the case is closed ({}); there is no deadline to extend": (
        "sprawa jest zamknięta ({0}); nie ma terminu do przedłużenia"
    ),
    "only the centre extends a deadline": "tylko instytucja walidująca może przedłużyć termin",
    "this case already holds {} KiB of notes and comments; the limit is {} KiB": (
        "notatki i komentarze w tej sprawie zajmują już {0} KiB; limit wynosi {1} KiB"
    ),
    "a case takes at most {} {}": "w jednej sprawie można zapisać najwyżej {0} {1}",
    "this standard validates all outcomes together; missing: {}": (
        "ten standard wymaga walidacji wszystkich efektów uczenia się łącznie; brakuje: {0}"
    ),
    "a counsellor must first confirm the prerequisites: {}": (
        "doradca walidacyjny musi najpierw potwierdzić spełnienie warunków wstępnych: {0}"
    ),
    "not eligible; prerequisites not met: {}": (
        "kandydat nie może przystąpić do walidacji; niespełnione warunki wstępne: {0}"
    ),
    "the counsellor requested changes: add evidence before resubmitting": (
        "doradca walidacyjny poprosił o zmiany: przed ponownym złożeniem portfolio dodaj dowody"
    ),
    "the appeal panel must not include the first panel's assessors: {}": (
        "w komisji odwoławczej nie mogą zasiadać asesorzy z pierwszej komisji: {0}"
    ),
    "this standard requires identity supervision: name a supervisor": (
        "ten standard wymaga nadzoru nad tożsamością: wskaż nadzorującego tożsamość"
    ),
    "the candidate's identity must be verified by the supervisor before any decision": (
        "przed podjęciem decyzji nadzorujący tożsamość musi potwierdzić tożsamość kandydata"
    ),
    # vnfil/credentials/keys.py
    "awarding body {} has no signing key: run `vnfil keys create {}`": (
        "instytucja certyfikująca {0} nie ma klucza podpisu: uruchom `vnfil keys create {1}`"
    ),
    # vnfil/credentials/rdfc.py
    "an inline @context is not accepted: only the shipped ones": (
        "osadzony @context nie jest akceptowany: dozwolone są tylko konteksty dostarczone z vnfil"
    ),
    "unknown context {} (nothing is fetched)": (
        "nieznany kontekst {0} (vnfil niczego nie pobiera z sieci)"
    ),
    "not JSON-LD vnfil can read: {}": "to nie jest JSON-LD, który vnfil potrafi odczytać: {0}",
    "{} is not defined by the credential's contexts": (
        "{0} nie jest zdefiniowane w kontekstach (@context) poświadczenia"
    ),
    "{} is not a JSON-LD keyword vnfil accepts": (
        "{0} nie jest słowem kluczowym JSON-LD akceptowanym przez vnfil"
    ),
    "the property {} would be dropped": "właściwość {0} zostałaby pominięta",
    "a nested @context is not accepted": "zagnieżdżony @context nie jest akceptowany",
    "{} must be an absolute IRI, not {}": "{0} musi być bezwzględnym IRI, a nie {1}",
    "the type {} would be dropped": "typ {0} zostałby pominięty",
    "the number {} is outside what is signed alike": (
        "liczba {0} wykracza poza zakres, który wszędzie jest podpisywany jednakowo"
    ),
    "an integer beyond 2**53 is not signed alike everywhere": (
        "liczba całkowita większa niż 2**53 nie jest wszędzie podpisywana jednakowo"
    ),
    # vnfil/credentials/signing.py
    "the key is not base58btc multibase (it must start with 'z')": (
        "klucz nie jest zapisany w formacie base58btc multibase (musi zaczynać się od 'z')"
    ),
    "the key is not an Ed25519 Multikey": "klucz nie jest kluczem Ed25519 w formacie Multikey",
    "the key is not an Ed25519 private Multikey": (
        "klucz nie jest prywatnym kluczem Ed25519 w formacie Multikey"
    ),
    "every proof must be an object": "każdy dowód kryptograficzny (proof) musi być obiektem",
    "unsupported proof: only {} with {} is accepted": (
        "nieobsługiwany dowód kryptograficzny: akceptowany jest tylko {0} z pakietem {1}"
    ),
    "{}: the proof's purpose is not assertionMethod": (
        "{0}: cel dowodu kryptograficznego (proofPurpose) nie jest assertionMethod"
    ),
    "{}: proofValue is not base58btc multibase": (
        "{0}: proofValue nie jest zapisane w formacie base58btc multibase"
    ),
    "{}: verificationMethod must name a key as <controller>#<multikey>": (
        "{0}: verificationMethod musi wskazywać klucz w postaci <controller>#<multikey>"
    ),
    "{}: proofValue or the key is too long for Ed25519": (
        "{0}: proofValue lub klucz jest za długi dla Ed25519"
    ),
    "the credential must carry 1 to {} proofs": (
        "poświadczenie musi zawierać od 1 do {0} dowodów kryptograficznych"
    ),
    "{}: the proof's @context does not match the credential's": (
        "{0}: @context dowodu kryptograficznego nie zgadza się z @context poświadczenia"
    ),
    "{}: the signature does not match the credential's content{}": (
        "{0}: podpis nie zgadza się z treścią poświadczenia{1}"
    ),
    # vnfil/credentials/verification.py
    "{} is not JSON (RFC 8259 has no NaN or Infinity)": (
        "{0} nie jest poprawnym JSON-em (RFC 8259 nie przewiduje NaN ani Infinity)"
    ),
    "the number {} is out of range": "liczba {0} jest poza zakresem",
    "the status list is not signed by the credential's issuer": (
        "lista statusów nie jest podpisana przez instytucję, która wydała poświadczenie"
    ),
    "the JSON nests deeper than {} levels": "JSON ma więcej niż {0} poziomów zagnieżdżenia",
    "the body is not JSON: {}": "treść żądania nie jest poprawnym JSON-em: {0}",
    # vnfil/events/netguard.py
    "webhook URLs must start with http:// or https://": (
        "adres URL webhooka musi zaczynać się od http:// lub https://"
    ),
    "the webhook URL has no host": "adres URL webhooka nie zawiera nazwy hosta",
    "credentials in a webhook URL are not supported; verify the signature instead": (
        "dane logowania w adresie URL webhooka nie są obsługiwane; zamiast tego należy weryfikować "
        "podpis"
    ),
    "{} {}; webhooks go only to public addresses{}": (
        "{0} {1}; webhooki są wysyłane tylko na adresy publiczne{2}"
    ),
    "not a usable URL: {}": "nieprawidłowy adres URL: {0}",
    "the host {} does not resolve": "nie można ustalić adresu IP hosta {0}",
    "{} is not a valid host name": "{0} nie jest prawidłową nazwą hosta",
    "the host {} does not resolve ({})": "nie można ustalić adresu IP hosta {0} ({1})",
    "the host {} resolved to {}": "host {0} wskazuje na nieprawidłowy adres {1}",
    # vnfil/evidence/store.py
    "the file is empty": "plik jest pusty",
    "the file's content is not {}": "zawartość pliku nie odpowiada typowi {0}",
    # vnfil/standards/service.py
    "a standard must be a mapping of fields": (
        "standard musi być zestawem pól (obiektem z kluczami i wartościami)"
    ),
    "not valid JSON: {}": "niepoprawny JSON: {0}",
    "not valid YAML: {}": "niepoprawny YAML: {0}",
    # vnfil/trust/institutions.py
    "there is already an awarding body {}": "instytucja certyfikująca {0} już istnieje",
    "there is already a centre {}": "instytucja walidująca {0} już istnieje",
    # vnfil/trust/service.py
    "the centre's accreditation for {} ended on {}": (
        "akredytacja instytucji walidującej dla standardu {0} wygasła dnia {1}"
    ),
    "the centre holds no accreditation from the awarding body for {}": (
        "instytucja walidująca nie ma akredytacji instytucji certyfikującej dla standardu {0}"
    ),
    "the centre's accreditation for {} is {}: {}": (
        "akredytacja instytucji walidującej dla standardu {0} jest {1}: {2}"
    ),
    "the centre's accreditation for {} starts on {}": (
        "akredytacja instytucji walidującej dla standardu {0} obowiązuje dopiero od dnia {1}"
    ),
    "no standard with the code {}": "nie ma standardu o kodzie {0}",
    "the standard {} belongs to another awarding body: only it accredits centres for it": (
        "standard {0} należy do innej instytucji certyfikującej: tylko ona może akredytować "
        "instytucje walidujące w jego zakresie"
    ),
    "an accreditation that is {} cannot become {}": (
        "nie można zmienić statusu akredytacji z „{0}” na „{1}”"
    ),
    # workflows/case.py
    "this case began before evidence could be removed": (
        "ta sprawa rozpoczęła się, zanim wprowadzono możliwość usuwania dowodów; nie można z niej "
        "usuwać dowodów"
    ),
    # a standard and its version, inside an accreditation's refusal (vnfil/trust/service.py)
    "{} version {}": "{0} w wersji {1}",
    # answered before any route reads the request (api/main.py, api/security.py)
    "the request holds a value that cannot be stored (a NUL byte or a number too large); "
    "correct it and send it again": (
        "żądanie zawiera wartość, której nie można zapisać (bajt NUL albo zbyt dużą liczbę); "
        "popraw ją i wyślij ponownie"
    ),
    "the request body is at most {} KiB": "treść żądania może mieć najwyżej {0} KiB",
    "the address holds a control character (such as %00); remove it": (
        "adres zawiera znak sterujący (na przykład %00); usuń go"
    ),
    # an assessor changing their decision (vnfil/cases/rules.py, workflows/case.py)
    "there is no decision of yours to change yet: record it first": (
        "nie ma jeszcze Twojej decyzji do zmiany: najpierw ją zapisz"
    ),
    "every assessor has decided: the decisions can no longer change": (
        "wszyscy asesorzy już zdecydowali: decyzji nie można już zmienić"
    ),
    "this case began before decisions could be changed": (
        "ta sprawa rozpoczęła się, zanim można było zmieniać decyzje"
    ),
    # the learner's backpack (api/routes/backpack.py, vnfil/credentials/sharing.py)
    "you hold no credential {}": "nie masz poświadczenia {0}",
    "no link {} to this credential": "to poświadczenie nie ma linku {0}",
    "this credential is revoked: a wallet would show it so": (
        "to poświadczenie jest unieważnione: portfel pokazałby je jako takie"
    ),
    "this link leaves parts of the credential out, so it does not offer the signed file, "
    "which holds them all": (
        "ten link pomija część poświadczenia, więc nie udostępnia podpisanego pliku, "
        "który zawiera je wszystkie"
    ),
    "the holder of this credential does not show it here; ask them for a link": (
        "posiadacz tego poświadczenia nie pokazuje go tutaj; poproś go o link"
    ),
    "a credential has at most {} live links; revoke one first": (
        "poświadczenie może mieć najwyżej {0} aktywnych linków; najpierw wycofaj jeden"
    ),
    "there is no such link to a credential": "nie ma takiego linku do poświadczenia",
    "the holder has withdrawn this link": "posiadacz wycofał ten link",
    "this link has expired; ask its holder for a new one": (
        "ten link wygasł; poproś posiadacza o nowy"
    ),
    "the link would end before it starts: choose a later date": (
        "link skończyłby się, zanim zacznie działać: wybierz późniejszą datę"
    ),
    "a link ends at most {} years ahead, or never": (
        "link może działać najwyżej {0} lat albo bez końca"
    ),
    "the link's end is not a date it can have": "koniec linku nie jest możliwą datą",
    # a wallet offer (api/routes/oid4vci.py)
    "no such person": "nie ma takiej osoby",
    "this credential was revoked: it cannot go into a wallet": (
        "to poświadczenie zostało unieważnione: nie można go dodać do portfela"
    ),
    # funders and learning accounts (api/routes/funding.py, vnfil/funding/ledger.py)
    "you act for another funder": "działasz w imieniu innego fundatora",
    "no funder {}": "nie ma fundatora {0}",
    "no one has registered with this e-mail address": (
        "nikt nie zarejestrował się z tym adresem e-mail"
    ),
    "an entitlement must end after it starts, and in the future": (
        "uprawnienie musi kończyć się po swoim początku i w przyszłości"
    ),
    "granted, but its end is not yet scheduled: send the same request again": (
        "przyznano, ale jego koniec nie jest jeszcze zaplanowany: wyślij to samo żądanie ponownie"
    ),
    "not enough left on the account": "na koncie zostało za mało środków",
    "the movement {} was already made, with other amounts": (
        "operację {0} już wykonano, z innymi kwotami"
    ),
    "an entitlement is more than zero": "uprawnienie musi być większe od zera",
    "an entitlement must end after it starts": "uprawnienie musi kończyć się po swoim początku",
    "you set the prices of your own centre": "ustalasz ceny tylko swojej instytucji",
    "this funder account has no funder": "to konto fundatora nie jest przypisane do fundatora",
    # funding a case (api/routes/funding.py, vnfil/cases/rules.py)
    "the centre has published no fee for this standard": (
        "instytucja nie opublikowała opłaty za ten standard"
    ),
    "the sources must cover the fee exactly ({} in minor units of {}): leave one source's "
    "amount out to have it take the rest": (
        "źródła muszą dokładnie pokryć opłatę ({0} w groszach/centach {1}): pomiń kwotę "
        "jednego źródła, a pokryje ono resztę"
    ),
    "only the candidate asks for funding": "o finansowanie wnioskuje tylko kandydat",
    "no programme {} of yours": "nie masz programu {0}",
    "no request of case {} to you": "sprawa {0} nie złożyła do Ciebie wniosku",
    "no programme {}": "nie ma programu {0}",
    "the programme pays in {}, the fee is in {}": "program płaci w {0}, opłata jest w {1}",
    "the centre requires the validation to be funded before assessment: {}": (
        "instytucja wymaga sfinansowania walidacji przed etapem weryfikacji: {0}"
    ),
    "the case's funding is already {}": "finansowanie sprawy jest już w stanie: {0}",
    "the sources do not add up to the fee": "źródła nie sumują się do opłaty",
    "the sources are in one unit": "źródła muszą być w jednej walucie",
    "only a funder decides on funding": "o finansowaniu decyduje tylko fundator",
    "no funding request is waiting for a decision ({})": (
        "żaden wniosek o finansowanie nie czeka na decyzję ({0})"
    ),
    "the request asks nothing of programme {}": "wniosek nie dotyczy programu {0}",
    "this case was opened before funding": "ta sprawa została otwarta przed wprowadzeniem finansowania",
    "the programme is not open on this date": "program nie działa w tym dniu",
    "the programme does not fund {}": "program nie finansuje {0}",
    "the programme funds EQF levels {} only": "program finansuje tylko poziomy ERK {0}",
    "the programme funds centres in {} only": "program finansuje tylko instytucje w: {0}",
    "the programme funds accredited centres only": (
        "program finansuje tylko instytucje z uprawnieniami"
    ),
    "a programme must end after it starts, and in the future": (
        "program musi kończyć się po swoim początku i w przyszłości"
    ),
    "the price was set at the same moment: read it again": (
        "cenę ustalono w tej samej chwili: odczytaj ją ponownie"
    ),
    "the programme's budget or this person's yearly cap is used up": (
        "budżet programu albo roczny limit tej osoby został wykorzystany"
    ),
    "a commitment is more than zero": "zobowiązanie musi być większe od zera",
    "a hold is more than zero": "blokada musi być większa od zera",
    # the plan and the claim of a full credential from units (api/routes/cases.py,
    # api/routes/qualifications.py, vnfil/credentials/stacking.py)
    "the case has no result yet: the plan follows the result": (
        "sprawa nie ma jeszcze wyniku: plan powstaje na podstawie wyniku"
    ),
    "{}@{} is not claimed from unit credentials: its full credential is issued by a case": (
        "pełnego poświadczenia {0}@{1} nie uzyskuje się z poświadczeń części: wydaje je "
        "instytucja po przeprowadzeniu sprawy"
    ),
    "a credential of the claim has no id of the form urn:uuid:…": (
        "jedno z poświadczeń we wniosku nie ma identyfikatora w postaci urn:uuid:…"
    ),
    "the claim could not be completed now; nothing was issued, try again": (
        "nie udało się teraz rozpatrzyć wniosku; nic nie wydano, spróbuj ponownie"
    ),
    "credential {} does not verify ({}): {}": (
        "poświadczenie {0} nie przechodzi weryfikacji ({1}): {2}"
    ),
    "credential {} names another person as its learner": (
        "poświadczenie {0} wskazuje jako uczącego się inną osobę"
    ),
    "credential {} names no learner to match with you": (
        "poświadczenie {0} nie wskazuje uczącego się, którego można by z Tobą powiązać"
    ),
    "credential {} is not the credential of a unit": "poświadczenie {0} nie dotyczy części kwalifikacji",
    "credential {} is a unit of another standard than {}": (
        "poświadczenie {0} dotyczy części innego standardu niż {1}"
    ),
    "credential {} is a unit of version {} of {}; this claim accepts versions {}": (
        "poświadczenie {0} dotyczy części wersji {1} standardu {2}; ten wniosek przyjmuje "
        "wersje: {3}"
    ),
    "unit {} of version {} is not a unit of version {} with the same outcomes": (
        "część {0} w wersji {1} nie jest częścią wersji {2} o tych samych efektach uczenia się"
    ),
    "credential {} was issued on {}; unit credentials count for {} years": (
        "poświadczenie {0} wydano {1}; poświadczenia części są ważne we wniosku przez {2} lat"
    ),
    "unit {} is given twice ({} and {})": "część {0} podano dwukrotnie ({1} i {2})",
    "credential {} was not issued here": "poświadczenia {0} nie wydano w tym systemie",
    "no credential of unit {}: validate it at any accredited centre, then claim again": (
        "brak poświadczenia części {0}: zwaliduj ją w dowolnej akredytowanej instytucji, a "
        "potem ponów wniosek"
    ),
    # api/routes/cohorts.py
    "only an employer enrols its employees in cohorts": (
        "tylko pracodawca zapisuje swoich pracowników do grup walidacyjnych"
    ),
    "no cohort {} of yours": "nie masz grupy {0}",
    "you are not invited to this cohort": "nie masz zaproszenia do tej grupy",
    "you are joining this cohort already: ask again in a moment": (
        "właśnie dołączasz do tej grupy: spróbuj ponownie za chwilę"
    ),
    "join the cohort first: consent is about your case in it": (
        "najpierw dołącz do grupy: zgoda dotyczy Twojej sprawy w tej grupie"
    ),
    "these addresses were invited at the same moment: send again": (
        "te adresy zostały zaproszone w tej samej chwili: wyślij ponownie"
    ),
    "an employer's programme funds only the cases of its cohorts' members": (
        "program pracodawcy finansuje tylko sprawy członków jego grup walidacyjnych"
    ),
}

# English words that fill a template's hole and are not values of an enumeration.
VALUES: dict[str, str] = {
    # where a case's funding stands (vnfil/cases/rules.py, check_submission)
    "choose who pays first": "najpierw wybierz, kto płaci",
    "the funder has not decided yet": "fundator jeszcze nie zdecydował",
    "the funding was refused; choose other sources": (
        "odmówiono finansowania; wybierz inne źródła"
    ),
    "pending": "oczekuje",
    "approved": "przyznane",
    "settled": "rozliczone",
    # the checks of a verification (vnfil/credentials/stacking.py, CHECK_WORDS)
    "its form": "budowa",
    "signature": "podpis",
    "issuer and key": "wystawca i klucz",
    "validity dates": "okres ważności",
    "revocation": "unieważnienie",
    "the centre's accreditation": "uprawnienie instytucji",
    # stages of a case (Stage)
    "identification": "identyfikacja",
    "documentation": "dokumentowanie",
    "assessment": "weryfikacja",
    "certification": "certyfikacja",
    # what a case takes at most so many of (vnfil/cases/rules.py, _bounded)
    "counselling sessions": "spotkań doradczych",
    "portfolio reviews": "przeglądów portfolio",
    "pieces of evidence": "dowodów",
    "panel assignments": "wyznaczeń komisji",
    "identity checks": "potwierdzeń tożsamości",
    "assessment sessions": "sesji weryfikacyjnych",
    "declared conflicts": "zgłoszonych konfliktów interesów",
    "deadline extensions": "przedłużeń terminu",
    # what a request body is (api/deps.py, read_capped)
    "a credential": "poświadczenie",
    "a standard file": "plik standardu",
    # who sees which cases (api/deps.py, CASE_SCOPE)
    "candidates see only their own cases": "kandydat widzi tylko własne sprawy",
    "assessors see only cases whose panel they sit on": (
        "asesor widzi tylko sprawy, w których zasiada w komisji"
    ),
    "supervisors see only cases they supervise": (
        "nadzorujący tożsamość widzi tylko sprawy, które nadzoruje"
    ),
    "centre staff see only their centre's cases": (
        "pracownicy instytucji widzą tylko sprawy swojej instytucji"
    ),
    "funders see the funding requests made to them, not cases": (
        "fundator widzi skierowane do niego wnioski o finansowanie, a nie sprawy"
    ),
    "issuers see credentials of their standards, not cases": (
        "wydający poświadczenia widzi poświadczenia swoich standardów, a nie sprawy"
    ),
    "the platform operator onboards institutions and sees no case": (
        "operator platformy przyłącza instytucje do platformy i nie widzi spraw"
    ),
    # why a multipart body is malformed (api/uploads.py, _malformed)
    "the boundary is longer than 70 characters": "parametr boundary ma więcej niż 70 znaków",
    "more than 65536 bytes of headers and other fields": (
        "ponad 65536 bajtów nagłówków i innych pól"
    ),
    "it ends before a 'file' part and the closing boundary": (
        "treść kończy się przed częścią 'file' i końcowym boundary"
    ),
    "no closing boundary after the file": "brak końcowego boundary po pliku",
    # file types (api/routes/evidence.py, PHOTO_TYPES; vnfil/credentials/signing.py, CRYPTOSUITES)
    "image/jpeg or image/png": "image/jpeg lub image/png",
    "eddsa-rdfc-2022 or eddsa-jcs-2022": "eddsa-rdfc-2022 lub eddsa-jcs-2022",
    # an accreditation's status (vnfil/trust/service.py)
    "active": "aktywna",
    "suspended": "zawieszona",
    "withdrawn": "wycofana",
    # why a webhook address is refused (vnfil/events/netguard.py, _WHAT and the hint)
    "is an unspecified address": "to adres nieokreślony",
    "is a loopback address": "to adres pętli zwrotnej (loopback)",
    "is a link-local address": "to adres lokalny łącza (link-local)",
    "is a multicast address": "to adres grupowy (multicast)",
    "is a reserved address": "to adres zarezerwowany",
    "is a private address": "to adres prywatny",
    "is a shared (carrier-grade NAT) address": "to adres współdzielony (carrier-grade NAT)",
    " (set VNFIL_WEBHOOK_ALLOW_PRIVATE_TARGETS=true for receivers on the premises)": (
        " (dla odbiorców w sieci lokalnej ustaw VNFIL_WEBHOOK_ALLOW_PRIVATE_TARGETS=true)"
    ),
}
