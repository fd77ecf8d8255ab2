"""The pages' words in English and Polish. One table: a missing translation fails a test."""

from __future__ import annotations

from http.cookies import CookieError, SimpleCookie

LANGS = ("en", "pl")

TEXT: dict[str, tuple[str, str]] = {
    # accreditations, on the issuer's page
    "valid": ("Valid", "Ważne"),
    "change": ("Change", "Zmień"),
    "suspend": ("Suspend", "Zawieś"),
    "reinstate": ("Reinstate", "Przywróć"),
    "withdraw": ("Withdraw (final)", "Cofnij (ostatecznie)"),
    "accredit_centre": ("Accredit a centre", "Nadaj uprawnienie instytucji walidującej"),
    "valid_from": ("Valid from (UTC)", "Ważne od (UTC)"),
    "valid_until": ("Valid until (UTC)", "Ważne do (UTC)"),
    "scope": ("Scope", "Zakres"),
    "qa_body": ("External QA body", "Podmiot zewnętrznego zapewniania jakości"),
    "qa_reference": ("QA report reference", "Sygnatura raportu z ewaluacji"),
    "accredit": ("Accredit", "Nadaj uprawnienie"),
    "change_reason": ("Why (shown in the registry)", "Powód (widoczny w rejestrze)"),
    # the platform operator's page
    "institutions": ("Institutions", "Instytucje"),
    "operator_intro": (
        "Onboard awarding bodies and validation centres and invite their first administrators;"
        " awarding bodies then accredit centres for their standards.",
        "Dodawaj instytucje certyfikujące i instytucje walidujące oraz zapraszaj ich pierwszych"
        " administratorów; instytucje certyfikujące nadają potem uprawnienia do walidacji.",
    ),
    "awarding_bodies": ("Awarding bodies", "Instytucje certyfikujące"),
    "validation_centres": ("Validation centres", "Instytucje walidujące"),
    "institution_name": ("Name", "Nazwa"),
    "keys": ("Signing keys", "Klucze podpisu"),
    "key_current": ("current", "bieżący"),
    "key_retired": ("retired", "wycofany"),
    "key_revoked": ("revoked", "unieważniony"),
    "invite": ("Invite", "Zaproś"),
    "invite_first_issuer": ("Invite an issuer", "Zaproś osobę wydającą"),
    "invite_first_admin": ("Invite an administrator", "Zaproś administratora"),
    "new_awarding_body": ("New awarding body", "Nowa instytucja certyfikująca"),
    "new_centre": ("New validation centre", "Nowa instytucja walidująca"),
    "country_code": ("Country (2 letters, e.g. PL)", "Kraj (2 litery, np. PL)"),
    "did_id": ("Identifier in the DID (optional)", "Identyfikator w DID (opcjonalnie)"),
    "web_page": ("Web page (https, optional)", "Strona internetowa (https, opcjonalnie)"),
    "region": ("Region", "Województwo / region"),
    "create": ("Create", "Utwórz"),
    "accreditations": ("Accreditations", "Uprawnienia do walidacji"),
    "accreditation_active": ("active", "aktywne"),
    "accreditation_suspended": ("suspended", "zawieszone"),
    "accreditation_withdrawn": ("withdrawn", "cofnięte"),
    "not_accredited": ("none yet", "brak"),
    "none_yet": ("None yet.", "Jeszcze brak."),
    "pending_invitations": ("Invitations not yet accepted", "Zaproszenia jeszcze nieprzyjęte"),
    "until": ("until", "do"),
    "registry_json": (
        "Registry of awarding bodies (JSON)",
        "Rejestr instytucji certyfikujących (JSON)",
    ),
    "registry_centres_json": (
        "Registry of centres (JSON)",
        "Rejestr instytucji walidujących (JSON)",
    ),
    "app": ("vnfil: validation of prior learning", "vnfil: walidacja efektów uczenia się"),
    "sign_in": ("Sign in", "Zaloguj się"),
    "sign_out": ("Sign out", "Wyloguj się"),
    "email": ("E-mail", "E-mail"),
    "password": ("Password", "Hasło"),
    "wrong_login": ("Wrong e-mail or password.", "Błędny e-mail lub hasło."),
    "acting_as": ("Acting as", "Występujesz jako"),
    "switch": ("Switch", "Przełącz"),
    "language": ("Język: polski", "Language: English"),
    "my_cases": ("My cases", "Moje sprawy"),
    "cases": ("Cases", "Sprawy"),
    "no_cases": ("No cases yet.", "Brak spraw."),
    "new_case": ("Apply for validation", "Złóż wniosek o walidację"),
    "standard": ("Standard", "Standard"),
    "centre": ("Centre", "Instytucja"),
    "stage": ("Stage", "Etap"),
    "status": ("Status", "Status"),
    "deadline": ("Deadline", "Termin"),
    "result": ("Result", "Wynik"),
    "open": ("Open", "Otwórz"),
    "start": ("Start", "Rozpocznij"),
    "identification": ("Identification", "Identyfikacja"),
    "documentation": ("Documentation", "Dokumentowanie"),
    "assessment": ("Assessment", "Weryfikacja"),
    "certification": ("Certification", "Certyfikowanie"),
    "completed": ("Completed", "Zakończona"),
    "overdue": ("Overdue", "Po terminie"),
    "counselling": ("Counselling session", "Spotkanie doradcze"),
    "held_on": ("Held on", "Data"),
    "mode": ("Mode", "Forma"),
    "notes": ("Notes", "Notatki"),
    "prerequisite_met": ("Prerequisite met", "Warunek spełniony"),
    "save": ("Save", "Zapisz"),
    "learning_outcomes": ("Learning outcomes", "Efekty uczenia się"),
    "select_los": (
        "Learning outcomes to validate, with your self-assessment (1–5)",
        "Efekty do walidacji i Twoja samoocena (1–5)",
    ),
    "plan": ("Plan", "Plan"),
    "evidence": ("Evidence", "Dowody"),
    "upload": ("Upload", "Wyślij"),
    "drop_files": (
        "Drop files here or choose them",
        "Upuść pliki tutaj lub wybierz je",
    ),
    "kind": ("Kind", "Rodzaj"),
    "supports": ("Supports", "Potwierdza"),
    "submit_portfolio": ("Submit the portfolio", "Złóż portfolio"),
    "submitted": ("Submitted", "Złożone"),
    "panel": ("Assessment panel", "Komisja walidacyjna"),
    "assessors": ("Assessors", "Asesorzy"),
    "supervisor": ("Supervisor", "Nadzorujący"),
    "assign": ("Assign", "Przydziel"),
    "identity_check": ("Identity check", "Weryfikacja tożsamości"),
    # a credential added as evidence
    "credential_verified": (
        "A credential that verified, issued by {issuer}",
        "Poświadczenie zweryfikowane pozytywnie, wydane przez {issuer}",
    ),
    "credential_revoked_evidence": (
        "A credential issued by {issuer}, now revoked: taken as an ordinary file",
        "Poświadczenie wydane przez {issuer}, obecnie unieważnione: traktowane jak zwykły plik",
    ),
    "credential_not_verified": (
        "A credential that did not verify ({check}): taken as an ordinary file",
        "Poświadczenie, którego nie udało się zweryfikować ({check}): traktowane jak zwykły plik",
    ),
    "credential_aligns": ("it aligns to", "odpowiada efektom"),
    "credential_from_pdf": (
        "carried in a PDF certificate",
        "zapisane w certyfikacie PDF",
    ),
    "credential_from_sd_jwt": (
        "from an EU wallet, as SD-JWT: only what the holder disclosed",
        "z portfela UE, jako SD-JWT: tylko to, co ujawnił posiadacz",
    ),
    "awarded_to": ("awarded to", "przyznane dla"),
    "json_not_credential": (
        "A JSON file that is not a credential: an ordinary file",
        "Plik JSON, który nie jest poświadczeniem: zwykły plik",
    ),
    "check_holder": (
        "it names another person as its learner",
        "wskazuje inną osobę jako uczącą się",
    ),
    "check_malformed": ("its form", "budowa"),
    "check_signature": ("signature", "podpis"),
    "check_issuer": ("issuer and key", "wystawca i klucz"),
    "check_expiry": ("validity dates", "okres ważności"),
    "check_status": ("revocation", "unieważnienie"),
    "check_accreditation": ("the centre's accreditation", "uprawnienie instytucji"),
    # the learner's backpack
    "to_wallet": ("Add to a wallet", "Dodaj do portfela"),
    "to_wallet_how": (
        "Your wallet app (OpenID4VCI: the EU digital identity wallet takes it as a Learning "
        "Credential, other wallets as an Open Badge) scans a code shown here once you ask for "
        "it; it then asks for a six-digit code that vnfil sends to your messages and e-mail. "
        "The offer works once, for 10 minutes.",
        "Aplikacja portfela (OpenID4VCI: europejski portfel tożsamości cyfrowej przyjmie je "
        "jako poświadczenie uczenia się, inne portfele jako Open Badge) skanuje kod pokazany "
        "tutaj po kliknięciu; potem poprosi o sześciocyfrowy kod, który vnfil wyśle do Twoich "
        "wiadomości i na e-mail. Oferta działa raz, przez 10 minut.",
    ),
    "to_wallet_offer": ("Show the code for my wallet", "Pokaż kod dla portfela"),
    "to_wallet_qr": ("QR code for your wallet app", "Kod QR dla aplikacji portfela"),
    "to_wallet_link": (
        "Open in the wallet on this phone",
        "Otwórz w portfelu na tym telefonie",
    ),
    "to_wallet_code": (
        "The six-digit code is in your messages (and e-mail).",
        "Sześciocyfrowy kod jest w Twoich wiadomościach (i w e-mailu).",
    ),
    "to_lcw": ("Learner Credential Wallet", "Learner Credential Wallet"),
    "to_lcw_how": (
        "The Learner Credential Wallet app takes the credential through a QR code shown here "
        "once you ask for it: scan it with your phone's camera, and the wallet proves it is "
        "yours before it receives it. The code works once, for 10 minutes.",
        "Aplikacja Learner Credential Wallet odbiera poświadczenie przez kod QR pokazany "
        "tutaj po kliknięciu: zeskanuj go aparatem telefonu, a portfel potwierdzi, że należy "
        "do Ciebie, zanim je otrzyma. Kod działa raz, przez 10 minut.",
    ),
    "to_lcw_offer": (
        "Show the code for the Learner Credential Wallet",
        "Pokaż kod dla Learner Credential Wallet",
    ),
    "to_lcw_qr": (
        "QR code for the Learner Credential Wallet",
        "Kod QR dla Learner Credential Wallet",
    ),
    "to_lcw_link": (
        "Open in the Learner Credential Wallet on this phone",
        "Otwórz w Learner Credential Wallet na tym telefonie",
    ),
    "backpack": ("My credentials", "Moje poświadczenia"),
    # who pays for a case (the candidate's case page)
    "who_pays": ("Who pays", "Kto płaci"),
    "fee_is": (
        "The centre's fee for this validation: {fee}.",
        "Opłata instytucji za tę walidację: {fee}.",
    ),
    "fee_required": (
        "The centre asks for it to be funded before assessment.",
        "Instytucja wymaga sfinansowania przed etapem weryfikacji.",
    ),
    "account_holds": (
        "Your learning account holds {balance}.",
        "Na Twoim koncie szkoleniowym jest {balance}.",
    ),
    "ask_programme": ("Ask a programme to pay its part", "Poproś program o pokrycie jego części"),
    "the_rest": ("The rest", "Resztę"),
    "from_account": ("from my learning account", "z mojego konta szkoleniowego"),
    "pay_myself": ("I pay the centre myself", "Płacę instytucji sam(a)"),
    "ask_funding": ("Ask for funding", "Złóż wniosek o finansowanie"),
    "pay_all_from_account": (
        "Pay it all from my learning account",
        "Zapłać całość z mojego konta szkoleniowego",
    ),
    # the funder's page
    "funder_page": ("Funding", "Finansowanie"),
    "funder_intro": (
        "Requests for your programmes to decide, your budgets, and what your money paid for.",
        "Wnioski do Twoich programów do rozpatrzenia, budżety i to, za co zapłaciłeś.",
    ),
    "funding_requests": ("Funding requests", "Wnioski o finansowanie"),
    "grant_entitlement": ("Credit a learning account", "Zasil konto szkoleniowe"),
    "grant_intro": (
        "An entitlement for a person registered on vnfil, by their e-mail address, until a "
        "date; what is left at its end comes back to you.",
        "Uprawnienie dla osoby zarejestrowanej w vnfil, według adresu e-mail, do wskazanej "
        "daty; to, co zostanie po jej upływie, wraca do Ciebie.",
    ),
    "amount_pln": ("Amount (PLN)", "Kwota (PLN)"),
    "grant_special_needs": (
        "An extra entitlement for declared special needs",
        "Dodatkowe uprawnienie ze względu na zgłoszone szczególne potrzeby",
    ),
    "grant": ("Credit", "Przyznaj"),
    "programme": ("Programme", "Program"),
    "programmes": ("Programmes", "Programy"),
    "decision": ("Decision", "Decyzja"),
    "approve": ("Approve", "Zatwierdź"),
    "refuse": ("Refuse", "Odmów"),
    "approved_reason": ("meets the programme's rules", "spełnia zasady programu"),
    "budget": ("Budget", "Budżet"),
    "paid": ("Paid", "Zapłacono"),
    "committed": ("Committed", "Zarezerwowano"),
    "available_budget": ("Left", "Pozostało"),
    "funding_report": ("Where the money went", "Na co poszły środki"),
    "outcomes_bought": (
        "Certified validations paid for: {cases}, learning outcomes validated: {outcomes}",
        "Opłacone certyfikowane walidacje: {cases}, potwierdzone efekty uczenia się: {outcomes}",
    ),
    "outcomes_per_thousand": (
        "{n} outcomes per 1,000 {unit}",
        "{n} efektów na 1000 {unit}",
    ),
    "special_needs_served": (
        "People with your special-needs entitlements served: {n}",
        "Obsłużone osoby z Twoimi uprawnieniami ze względu na szczególne potrzeby: {n}",
    ),
    "by_standard": ("By standard", "Według standardu"),
    "by_centre": ("By centre", "Według instytucji"),
    "by_region": ("By region", "Według regionu"),
    "download_csv": ("Download every request (CSV)", "Pobierz wszystkie wnioski (CSV)"),
    # the learner's learning account
    "learning_account": ("Learning account", "Konto szkoleniowe"),
    "learning_account_intro": (
        "What funders have credited to you for training and validation: what is left, until "
        "when, and every movement. It is used when a validation is paid from your account.",
        "To, co fundatorzy przyznali Ci na szkolenia i walidację: ile zostało, do kiedy, oraz "
        "każda operacja. Korzystasz z niego, gdy walidacja jest opłacana z Twojego konta.",
    ),
    "learning_account_empty": (
        "No entitlements yet. A funder (your region, your employer, a sectoral fund) credits "
        "them here.",
        "Nie masz jeszcze uprawnień. Przyznaje je tutaj fundator (region, pracodawca, fundusz "
        "sektorowy).",
    ),
    "balance": ("Available", "Dostępne"),
    "held_for_cases": ("held for your validations", "zablokowane na Twoje walidacje"),
    "entitlements": ("Entitlements", "Uprawnienia"),
    "funder": ("Funder", "Fundator"),
    "granted": ("Granted", "Przyznano"),
    "left": ("Left", "Zostało"),
    "valid_until_col": ("Until", "Ważne do"),
    "special_needs": ("special needs", "szczególne potrzeby"),
    "carried_over": ("carried over", "przeniesione"),
    "ended_on": ("ended on {date}", "wygasło {date}"),
    "movements": ("Movements", "Operacje"),
    "what_validations_cost": (
        "What your validations cost, and who paid",
        "Ile kosztowały Twoje walidacje i kto za nie zapłacił",
    ),
    "paid_by": ("Paid by", "Płaci"),
    "amount": ("Amount", "Kwota"),
    "backpack_intro": (
        "Every credential you hold, from every centre. Each is yours: download the signed "
        "file for a wallet, the certificate, or make a link to show it to someone.",
        "Wszystkie Twoje poświadczenia, ze wszystkich instytucji. Każde należy do Ciebie: "
        "pobierz podpisany plik do portfela, certyfikat albo utwórz link, aby komuś je pokazać.",
    ),
    "backpack_empty": (
        "You hold no credential yet. It appears here when a centre certifies your case.",
        "Nie masz jeszcze poświadczeń. Pojawi się tutaj, gdy instytucja wyda certyfikat "
        "w Twojej sprawie.",
    ),
    "issued_on": ("issued on {date}", "wydane {date}"),
    "valid_until_date": ("valid until {date}", "ważne do {date}"),
    "download_json": (
        "Signed credential (JSON, for a wallet)",
        "Podpisane poświadczenie (JSON, do portfela)",
    ),
    "download_pdf": ("Certificate (PDF)", "Certyfikat (PDF)"),
    "download_elm": (
        "Europass digital credential (European Learning Model, JSON-LD)",
        "Poświadczenie cyfrowe Europass (European Learning Model, JSON-LD)",
    ),
    "public_page": ("Public verification page", "Publiczna strona weryfikacji"),
    "add_to_linkedin": ("Add to LinkedIn profile", "Dodaj do profilu LinkedIn"),
    "public_page_on": (
        "Anyone with its address or the certificate's QR code can check it on a public page.",
        "Każdy, kto ma jego adres lub kod QR z certyfikatu, może je sprawdzić na stronie publicznej.",
    ),
    "public_page_off": (
        "Its public page is hidden: only people you give a link see it (the file still verifies).",
        "Strona publiczna jest ukryta: widzą je tylko osoby, którym dasz link (plik nadal "
        "można zweryfikować).",
    ),
    "hide_public_page": ("Hide the public page", "Ukryj stronę publiczną"),
    "show_public_page": ("Show the public page", "Pokaż stronę publiczną"),
    "share_links": ("Links to show it", "Linki do udostępnienia"),
    "share_made_on": ("made on {date}", "utworzony {date}"),
    "share_without": ("without", "bez"),
    "share_views": ("opened: {n}", "liczba otwarć: {n}"),
    "share_revoke": ("Withdraw the link", "Wycofaj link"),
    "confirm_share_revoke": (
        "Withdraw this link? Whoever has it will no longer see the credential.",
        "Wycofać ten link? Kto go ma, nie zobaczy już poświadczenia.",
    ),
    "share_revoked": ("withdrawn", "wycofany"),
    "share_expired": ("expired", "wygasł"),
    "share_new": ("Make a link to show it", "Utwórz link do udostępnienia"),
    "share_name": ("Who the link is for", "Dla kogo jest link"),
    "share_name_example": ("e.g. Acme recruitment", "np. rekrutacja w firmie Acme"),
    "share_until": ("Works until (optional)", "Działa do (opcjonalnie)"),
    "share_works_until": ("works until {date}", "działa do {date}"),
    "share_hide": ("Leave out", "Pomiń"),
    "part_grade": ("the grade", "ocenę"),
    "part_outcomes": ("the learning outcomes", "efekty uczenia się"),
    "part_evidence": ("the evidence", "dowody"),
    "share_create": ("Make the link", "Utwórz link"),
    "share_once": (
        "Copy the link now: it is shown only this once.",
        "Skopiuj link teraz: jest pokazywany tylko ten jeden raz.",
    ),
    "your_decision": ("Your decision", "Twoja decyzja"),
    "decided_at": ("Saved on {date} (UTC).", "Zapisana {date} (UTC)."),
    "change_until": (
        "You may change it until every assessor of the panel has decided; the audit trail "
        "keeps both.",
        "Możesz ją zmienić, dopóki wszyscy asesorzy komisji nie zdecydują; historia sprawy "
        "zachowa obie wersje.",
    ),
    "decision_locked": (
        "Every assessor has decided: it can no longer change.",
        "Wszyscy asesorzy już zdecydowali: nie można jej już zmienić.",
    ),
    "change_decision": ("Save the change", "Zapisz zmianę"),
    "identity_photo": (
        "Photo taken at the check (optional)",
        "Zdjęcie zrobione podczas weryfikacji (opcjonalnie)",
    ),
    "identity_photo_hint": (
        "JPG or PNG, at most 20 MB. On a phone this opens the camera.",
        "JPG lub PNG, najwyżej 20 MB. Na telefonie otworzy się aparat.",
    ),
    "photo_too_large": (
        "{name} is {size}: a photo may be at most 20 MB",
        "{name} ma {size}: zdjęcie może mieć najwyżej 20 MB",
    ),
    "method": ("Method", "Sposób"),
    "document": ("Document", "Dokument"),
    "verified": ("Verified", "Potwierdzona"),
    "failed": ("Failed", "Niepotwierdzona"),
    "record": ("Record", "Zapisz"),
    "decisions": ("Decisions per learning outcome", "Decyzje dla efektów uczenia się"),
    "achieved": ("Achieved", "Osiągnięty"),
    "rationale": ("Rationale", "Uzasadnienie"),
    "decide": ("Record decisions", "Zapisz decyzje"),
    "accept_result": ("Accept the result", "Akceptuję wynik"),
    "appeal": ("Appeal", "Odwołaj się"),
    "reason": ("Reason", "Powód"),
    "certify": ("Certify", "Wydaj certyfikat"),
    "certificate": ("Certificate (PDF)", "Certyfikat (PDF)"),
    "verification": ("Public verification page", "Publiczna strona weryfikacji"),
    "audit": ("Audit trail", "Ślad audytowy"),
    "when": ("When", "Kiedy"),
    "who": ("Who", "Kto"),
    "what": ("What", "Co"),
    "figures": ("Cases per stage", "Sprawy według etapów"),
    "workload": ("Assessor workload", "Obciążenie asesorów"),
    "export_csv": ("Export CSV", "Eksport CSV"),
    "filter": ("Filter", "Filtruj"),
    "all": ("All", "Wszystkie"),
    "credentials": ("Issued credentials", "Wydane poświadczenia"),
    "revoke": ("Revoke", "Unieważnij"),
    "revoked": ("Revoked", "Unieważnione"),
    "webhooks": ("Webhook subscriptions", "Subskrypcje webhooków"),
    "subscribe": ("Subscribe", "Subskrybuj"),
    "deliveries": ("Delivery log", "Dziennik doręczeń"),
    "secret_once": (
        "Secret (shown once, keep it):",
        "Sekret (pokazany raz, zachowaj go):",
    ),
    "nothing_to_do": ("Nothing for you to do now.", "Nic do zrobienia w tej chwili."),
    "done": ("Saved.", "Zapisano."),
    "preview": ("Preview", "Podgląd"),
    "register": ("Register as a candidate", "Zarejestruj się jako kandydat"),
    "name": ("Full name", "Imię i nazwisko"),
    "invitation": ("Invitation", "Zaproszenie"),
    "invitation_used": (
        "This invitation was already accepted.",
        "To zaproszenie zostało już przyjęte.",
    ),
    "your_password": ("the one you already have", "Twoje obecne hasło"),
    "accept_invitation": ("Accept the invitation", "Przyjmij zaproszenie"),
    "redeliver": ("Send again", "Wyślij ponownie"),
    "chair": ("Chair's resolution", "Rozstrzygnięcie przewodniczącego"),
    "resolve": ("Resolve", "Rozstrzygnij"),
    "too_many": (
        "Too many attempts; wait a few minutes.",
        "Zbyt wiele prób; odczekaj kilka minut.",
    ),
    "no_account": ("No account yet?", "Nie masz konta?"),
    # results, outcome by outcome
    "outcome_achieved": ("Achieved", "Osiągnięty"),
    "outcome_not_achieved": ("Not achieved", "Nieosiągnięty"),
    "your_result": ("Your result, outcome by outcome", "Twój wynik dla każdego efektu"),
    "panel_result": ("The panel's result, outcome by outcome", "Wynik komisji dla każdego efektu"),
    "chair_said": ("Chair's resolution", "Rozstrzygnięcie przewodniczącego"),
    "appeal_until": (
        "You may appeal until {date} (UTC). An appeal asks a new panel, without the first"
        " panel's assessors, to assess your evidence again; its result is final. If you accept"
        " this result instead, you give up the appeal and the centre can certify it.",
        "Możesz się odwołać do {date} (UTC). Odwołanie oznacza ponowną ocenę Twoich dowodów"
        " przez nową komisję, bez asesorów z pierwszej; jej wynik jest ostateczny. Jeśli"
        " zaakceptujesz ten wynik, rezygnujesz z odwołania, a instytucja może wydać certyfikat.",
    ),
    "appeal_lodged": (
        "Your appeal was lodged: a new panel will assess your evidence again.",
        "Odwołanie złożone: nowa komisja oceni Twoje dowody ponownie.",
    ),
    "result_is_final": ("This result is final.", "Ten wynik jest ostateczny."),
    "appeal_reason_label": (
        "Why do you appeal? (what the panel should look at again)",
        "Dlaczego się odwołujesz? (co komisja powinna ocenić ponownie)",
    ),
    "assessors_said": ("What the assessors decided", "Decyzje asesorów"),
    # confirmations of steps that cannot be undone
    "confirm_submit": (
        "Submit the portfolio? You cannot add or remove evidence afterwards.",
        "Złożyć portfolio? Potem nie można dodać ani usunąć dowodów.",
    ),
    "confirm_accept": (
        "Accept the result? You give up the right to appeal, and the centre can certify it.",
        "Zaakceptować wynik? Rezygnujesz z prawa do odwołania, a instytucja może wydać certyfikat.",
    ),
    "confirm_appeal": (
        "Lodge the appeal? A new panel will assess again; its result is final.",
        "Złożyć odwołanie? Nowa komisja oceni ponownie; jej wynik będzie ostateczny.",
    ),
    "confirm_certify": (
        "Certify now? The credential is signed and sent to the candidate.",
        "Wydać certyfikat? Poświadczenie zostanie podpisane i przekazane kandydatowi.",
    ),
    "confirm_revoke": (
        "Revoke this credential? Every verifier will see it as not valid from now on.",
        "Unieważnić to poświadczenie? Od teraz każdy weryfikujący zobaczy je jako nieważne.",
    ),
    "confirm_withdraw": (
        "Withdraw this accreditation? It cannot be reinstated.",
        "Cofnąć to uprawnienie? Nie będzie można go przywrócić.",
    ),
    # uploads
    "allowed_files": (
        "Allowed: {types}; up to {size} each.",
        "Dozwolone: {types}; do {size} każdy plik.",
    ),
    "file_too_large": (
        "{name} is {size}: larger than the {limit} allowed. Send a smaller file.",
        "{name} ma {size}: więcej niż dozwolone {limit}. Wyślij mniejszy plik.",
    ),
    "file_type_refused": (
        "{name}: this kind of file is not accepted. Allowed: {types}.",
        "{name}: ten rodzaj pliku nie jest przyjmowany. Dozwolone: {types}.",
    ),
    "upload_failed": ("{name} was not uploaded: {why}", "Nie wysłano {name}: {why}"),
    "upload_interrupted": (
        "the connection broke; try again.",
        "połączenie zostało przerwane; spróbuj ponownie.",
    ),
    "uploaded_reload": (
        "Uploaded. Show the updated list",
        "Wysłano. Pokaż zaktualizowaną listę",
    ),
    "webhook_off": ("switched off", "wyłączona"),
    "forgot_password": ("Forgot your password?", "Nie pamiętasz hasła?"),
    "reset_explained": (
        "Give the e-mail address of your account: we send a link to choose a new password.",
        "Podaj adres e-mail swojego konta: wyślemy link do ustawienia nowego hasła.",
    ),
    "send_link": ("Send the link", "Wyślij link"),
    "reset_link_refused": (
        "This link was already used, has expired (it works for an hour) or is not whole."
        " Ask for a new one below.",
        "Ten link został już użyty, wygasł (działa godzinę) albo jest niepełny."
        " Poproś poniżej o nowy.",
    ),
    "reset_sent": (
        "If this address has an account, a link is on its way. It works once, for an hour.",
        "Jeśli to konto istnieje, link jest już w drodze. Działa raz, przez godzinę.",
    ),
    "new_password": ("New password", "Nowe hasło"),
    "save_password": ("Save the new password", "Zapisz nowe hasło"),
    "password_rule": (
        "At least 10 characters. A few unrelated words are easy to remember and hard to guess.",
        "Co najmniej 10 znaków. Kilka niezwiązanych słów łatwo zapamiętać, a trudno odgadnąć.",
    ),
    "password_changed": (
        "Your password was changed. Sign in with the new one.",
        "Hasło zostało zmienione. Zaloguj się nowym hasłem.",
    ),
    "registered_sign_in": (
        "Your account is ready. Sign in to apply for validation.",
        "Konto zostało założone. Zaloguj się, aby złożyć wniosek o walidację.",
    ),
    "privacy_heading": ("Your data", "Twoje dane"),
    "privacy_notice": (
        "The validation centre you apply to keeps your name, e-mail, the evidence you upload"
        " and the assessment of your case, to validate your learning and issue your"
        " credential; the awarding body receives what the credential holds. You can ask the"
        " centre to see, correct or delete your data, within what the law requires it to keep.",
        "Instytucja walidująca, do której się zgłaszasz, przechowuje Twoje imię i nazwisko,"
        " e-mail, przesłane dowody i ocenę Twojej sprawy, aby zwalidować efekty uczenia się i"
        " wydać poświadczenie; instytucja certyfikująca otrzymuje to, co zawiera"
        " poświadczenie. Możesz poprosić instytucję o wgląd, poprawienie lub usunięcie danych,"
        " w granicach tego, co musi przechowywać z mocy prawa.",
    ),
    "search": ("Search", "Szukaj"),
    "remove": ("Remove", "Usuń"),
    "confirm_remove_evidence": (
        "Remove {name} from your portfolio? The audit trail keeps that it was there.",
        "Usunąć {name} z portfolio? Ślad audytowy zachowa informację, że był dodany.",
    ),
    "account_language": (
        "Language of pages and messages, on every device",
        "Język stron i wiadomości, na każdym urządzeniu",
    ),
    "credential_revoked_on": (
        "This credential was revoked on {date}; verifiers report it as not valid. Reason:",
        "To poświadczenie zostało unieważnione {date}; weryfikujący widzą je jako nieważne. Powód:",
    ),
    "rotate_secret": ("New secret", "Nowy sekret"),
    "unsubscribe": ("Stop sending", "Zatrzymaj wysyłanie"),
    "confirm_unsubscribe": (
        "Stop sending events to this address? The delivery log stays.",
        "Przestać wysyłać zdarzenia na ten adres? Dziennik doręczeń zostanie zachowany.",
    ),
    "secret_rotated": (
        "New secret (shown once; for 24 hours deliveries are signed with both):",
        "Nowy sekret (pokazany raz; przez 24 godziny doręczenia mają oba podpisy):",
    ),
    "candidate_account": ("The candidate's own account", "Co kandydat napisał o sobie"),
    "self_assessment": ("Self-assessment", "Samoocena"),
    "criteria": ("Assessment criteria", "Kryteria weryfikacji"),
    "methods": ("Methods the standard allows", "Metody dopuszczone przez standard"),
    "notifications": ("Messages", "Wiadomości"),
    "unread": ("unread", "nieprzeczytane"),
    "mark_read": ("Mark all as read", "Oznacz wszystkie jako przeczytane"),
    "new_notice": ("New", "Nowa"),
    "open_case": ("Open the case", "Otwórz sprawę"),
    "no_notices": ("No messages yet.", "Brak wiadomości."),
    "preferences": ("Preferences", "Ustawienia"),
    "email_notices": (
        "Send me these messages by e-mail too",
        "Wysyłaj mi te wiadomości także e-mailem",
    ),
    "administration": ("Case administration", "Administrowanie sprawą"),
    "chair_person": ("chair", "przewodniczący"),
    "no_panel_yet": ("No panel assigned yet.", "Komisja nie została jeszcze powołana."),
    "appeal_reason": ("The candidate's appeal", "Odwołanie kandydata"),
    "conflicts": ("Declared conflicts of interest", "Zgłoszone konflikty interesów"),
    "sessions": ("Assessment sessions", "Sesje weryfikacji"),
    "change_panel": ("Change the panel", "Zmień skład komisji"),
    "schedule_session": ("Schedule an assessment session", "Zaplanuj sesję weryfikacji"),
    "starts_at": ("Starts at (your local time)", "Początek (czas lokalny)"),
    "place": ("Place (or an online link below)", "Miejsce (albo link online poniżej)"),
    "online_link": ("Online link (https)", "Link online (https)"),
    "schedule": ("Schedule", "Zaplanuj"),
    "extend_deadline": ("Extend the deadline", "Przedłuż termin"),
    "extra_days": ("By how many days", "O ile dni"),
    "extend": ("Extend", "Przedłuż"),
    "declare_conflict": ("Record a conflict of interest", "Zapisz konflikt interesów"),
    "portfolio_review": ("Review of the portfolio", "Przegląd portfolio"),
    "verdict": ("Your view", "Twoja ocena"),
    "review_ready": ("Ready to submit", "Gotowe do złożenia"),
    "review_changes": ("Changes needed first", "Najpierw potrzebne zmiany"),
    "comment": ("Comment for the candidate", "Komentarz dla kandydata"),
    "withdraw_case": ("Withdraw from validation", "Wycofaj się z walidacji"),
    "confirm_withdraw_case": (
        "Withdraw from this validation? The case closes and cannot be reopened.",
        "Wycofać się z tej walidacji? Sprawa zostanie zamknięta bez możliwości wznowienia.",
    ),
    "pages": ("Pages of cases", "Strony listy spraw"),
    "newer": ("Newer", "Nowsze"),
    "older": ("Older", "Starsze"),
    "page_n": ("Page {n}", "Strona {n}"),
    "credential_file": (
        "The signed credential (JSON, for wallets and verifiers)",
        "Podpisane poświadczenie (JSON, do portfeli i weryfikatorów)",
    ),
    "unit_credentials": ("Credentials of the units achieved", "Poświadczenia osiągniętych części"),
    "unit_credential": ("Unit {unit}", "Część {unit}"),
    "plan_heading": ("Still to validate", "Do zwalidowania"),
    "plan_intro": (
        "For the full qualification these outcomes are still to be validated, in a new case "
        "at any accredited centre. Once you hold a credential of every unit, claim the full "
        "credential from your backpack.",
        "Do pełnej kwalifikacji pozostały do zwalidowania te efekty uczenia się, w nowej "
        "sprawie w dowolnej akredytowanej instytucji. Gdy będziesz mieć poświadczenia "
        "wszystkich części, złóż wniosek o pełne poświadczenie w swoim portfelu.",
    ),
    "unit_done": ("achieved", "osiągnięta"),
    "unit_missing": ("still to validate: {los}", "do zwalidowania: {los}"),
    "plan_file": ("The plan (JSON)", "Plan (JSON)"),
    "claims_heading": ("Full qualifications from your units", "Pełne kwalifikacje z Twoich części"),
    "claims_intro": (
        "With a credential of every unit of a qualification, from any accredited centres, "
        "the awarding body issues the full credential; each unit credential is checked first.",
        "Gdy masz poświadczenia wszystkich części kwalifikacji, z dowolnych akredytowanych "
        "instytucji, instytucja certyfikująca wydaje pełne poświadczenie; najpierw sprawdza "
        "każde poświadczenie części.",
    ),
    "claims_units_held": ("units held: {units}", "posiadane części: {units}"),
    "claims_units_missing": ("still missing: {units}", "brakuje jeszcze: {units}"),
    "claims_claim": ("Claim the full credential", "Złóż wniosek o pełne poświadczenie"),
    "claims_claimed": ("full credential issued", "pełne poświadczenie wydane"),
    "search_cases": (
        "Candidate's name, e-mail or case reference",
        "Imię i nazwisko, e-mail kandydata lub numer sprawy",
    ),
    "search_credentials": (
        "Recipient's name or e-mail, or credential reference",
        "Imię i nazwisko lub e-mail odbiorcy albo numer poświadczenia",
    ),
    "recipient": ("Recipient", "Odbiorca"),
    "reference": ("Reference", "Numer"),
    "session_expired": (
        "Your session has ended. Sign in again to go back to the page you were on.",
        "Sesja wygasła. Zaloguj się ponownie, aby wrócić do strony, na której byłeś.",
    ),
    "error_title_404": ("Page not found", "Nie ma takiej strony"),
    "error_text_404": (
        "This page does not exist, or it is not yours to see.",
        "Ta strona nie istnieje albo nie masz do niej dostępu.",
    ),
    "error_title_403": ("Not allowed", "Brak uprawnień"),
    "error_text_403": (
        "Your role does not allow this page. Switch role in the header if you have another.",
        "Twoja rola nie pozwala otworzyć tej strony. Jeśli masz inną rolę, przełącz ją w nagłówku.",
    ),
    "error_title_other": ("Something went wrong", "Coś poszło nie tak"),
    "error_text_other": (
        "The request could not be completed. Try again in a moment.",
        "Nie udało się wykonać żądania. Spróbuj ponownie za chwilę.",
    ),
    "go_home": ("Go to your cases", "Przejdź do swoich spraw"),
    # what happens next, on every case page
    "next_heading": ("What happens next", "Co dalej"),
    "your_move": ("Your move", "Twój ruch"),
    "by_date": ("by {date}", "do {date}"),
    "next_counsel": (
        "hold the counselling session and confirm the prerequisites",
        "przeprowadzić spotkanie doradcze i potwierdzić spełnienie warunków",
    ),
    "next_identify": (
        "choose the learning outcomes to validate, assess yourself and write a plan",
        "wybrać efekty uczenia się do walidacji, ocenić się i napisać plan",
    ),
    "next_document": (
        "upload evidence for every chosen outcome and submit the portfolio",
        "przesłać dowody dla każdego wybranego efektu i złożyć portfolio",
    ),
    "next_assign_panel": ("assign the assessment panel", "powołać komisję walidacyjną"),
    "next_check_identity": ("check the candidate's identity", "sprawdzić tożsamość kandydata"),
    "next_decide": (
        "decide on each learning outcome, with a rationale",
        "podjąć decyzję dla każdego efektu, z uzasadnieniem",
    ),
    "next_resolve": (
        "resolve the outcomes the assessors disagree on (the chair)",
        "rozstrzygnąć efekty, co do których asesorzy się różnią (przewodniczący)",
    ),
    "next_accept_or_appeal": (
        "accept the result or appeal",
        "zaakceptować wynik lub się odwołać",
    ),
    "next_certify": ("certify the result", "wydać certyfikat"),
    "case_closed": ("This case is closed.", "Ta sprawa jest zamknięta."),
    "example_did_id": ("e.g. ibe", "np. ibe"),
    "example_region": ("e.g. Mazovia", "np. mazowieckie"),
    "event": ("Event", "Zdarzenie"),
    "latency_ms": ("Time (ms)", "Czas (ms)"),
    "attempt": ("Attempt", "Próba"),
    "offline": (
        "The server could not be reached; check the connection and try again.",
        "Nie udało się połączyć z serwerem; sprawdź połączenie i spróbuj ponownie.",
    ),
}


# Every value of an enumeration that a page, e-mail or PDF may show, by its kind. A test
# holds each kind to its enumeration (and the audit actions to the workflow's code), so a
# new value without words fails it.
ENUMS: dict[str, dict[str, tuple[str, str]]] = {
    # where a case's funding stands (vnfil/cases/schemas.py, FundingState.status)
    "case_funding": {
        "none": ("no funding chosen yet", "nie wybrano jeszcze finansowania"),
        "pending": ("waiting for the funder's decision", "czeka na decyzję fundatora"),
        "approved": ("funded", "sfinansowane"),
        "refused": ("funding refused", "odmówiono finansowania"),
        "settled": ("paid to the centre", "zapłacone instytucji"),
        "released": ("given back", "zwrócone"),
    },
    "funding_kind": {
        "account": ("your learning account", "Twoje konto szkoleniowe"),
        "programme": ("a programme", "program"),
        "self": ("you, to the centre", "Ty, bezpośrednio instytucji"),
    },
    # where a source of a case's funding stands (vnfil/cases/schemas.py, SourceStatus)
    "funding_status": {
        "held": ("held from the learning account", "zablokowane na koncie szkoleniowym"),
        "pending": ("waiting for your decision", "czeka na Twoją decyzję"),
        "approved": ("approved", "zatwierdzone"),
        "refused": ("refused", "odmówiono"),
        "settled": ("paid to the centre", "zapłacone instytucji"),
        "released": ("given back", "zwrócone"),
    },
    # movements on a learning account (vnfil/funding/ledger.py, the kinds it posts)
    "movement": {
        "grant": ("credited by the funder", "przyznane przez fundatora"),
        "hold": ("held for a validation", "zablokowane na walidację"),
        "release": ("given back", "zwrócone"),
        "settle": ("paid to the centre", "zapłacone instytucji"),
        "part_settle": (
            "the completed stages paid to the centre, the rest given back",
            "ukończone etapy zapłacone instytucji, reszta zwrócona",
        ),
        "expiry": ("ended: back to the funder", "wygasło: wraca do fundatora"),
        "carry_over": ("carried over", "przeniesione na kolejny okres"),
    },
    "role": {
        "candidate": ("candidate", "kandydat"),
        "counsellor": ("counsellor", "doradca walidacyjny"),
        "assessor": ("assessor", "asesor"),
        "supervisor": ("identity supervisor", "nadzorujący tożsamość"),
        "centre_admin": ("centre administrator", "administrator instytucji"),
        "issuer": ("issuer", "wydający poświadczenia"),
        "operator": ("platform operator", "operator platformy"),
        "funder": ("funder", "fundator"),
        "system": ("vnfil (automatic)", "vnfil (automatycznie)"),
    },
    "evidence_kind": {
        "certificate": ("certificate", "certyfikat lub zaświadczenie"),
        "work-sample": ("work sample", "próbka pracy"),
        "reference": ("reference", "referencje"),
        "media": ("photo, audio or video", "zdjęcie, nagranie lub film"),
        "self-description": ("self-description", "opis własny"),
        "other": ("other", "inne"),
    },
    "mode": {
        "onsite": ("on site", "na miejscu"),
        "online": ("online", "online"),
        "phone": ("by phone", "telefonicznie"),
    },
    "method": {
        "portfolio-review": ("portfolio review", "analiza portfolio"),
        "interview": ("interview", "wywiad"),
        "observation": ("observation", "obserwacja"),
        "practical-test": ("practical test", "test praktyczny"),
        "written-test": ("written test", "test teoretyczny"),
        "simulation": ("simulation", "symulacja"),
    },
    "document_type": {
        "id-card": ("identity card", "dowód osobisty"),
        "passport": ("passport", "paszport"),
        "residence-permit": ("residence permit", "karta pobytu"),
        "driving-licence": ("driving licence", "prawo jazdy"),
    },
    "result": {
        "full": ("Validated in full", "Walidacja zakończona pozytywnie w całości"),
        "partial": ("Validated in part", "Walidacja zakończona pozytywnie w części"),
        "not-validated": ("Not validated", "Walidacja zakończona negatywnie"),
    },
    "state": {
        "open": ("open", "w toku"),
        "completed": ("completed", "zakończona"),
        "withdrawn": ("withdrawn", "wycofana"),
        "expired": ("expired", "wygasła"),
    },
    "audit": {
        "case.opened": ("case opened", "sprawa założona"),
        "counselling.recorded": ("counselling recorded", "spotkanie doradcze zapisane"),
        "identification.completed": ("identification completed", "identyfikacja zakończona"),
        "evidence.added": ("evidence added", "dowód dodany"),
        "evidence.removed": ("evidence removed", "dowód usunięty"),
        "portfolio.reviewed": ("portfolio reviewed", "portfolio przejrzane"),
        "portfolio.submitted": ("portfolio submitted", "portfolio złożone"),
        "panel.assigned": ("panel assigned", "komisja przydzielona"),
        "session.scheduled": ("session scheduled", "sesja zaplanowana"),
        "conflict.declared": ("conflict of interest declared", "konflikt interesów zgłoszony"),
        "identity.checked": ("identity checked", "tożsamość sprawdzona"),
        "decision.recorded": ("decision recorded", "decyzja zapisana"),
        "decision.revised": ("decision changed", "decyzja zmieniona"),
        "panel.disagreed": ("assessors disagreed", "asesorzy nie zgadzają się"),
        "disagreement.resolved": ("disagreement resolved", "rozbieżność rozstrzygnięta"),
        "assessment.concluded": ("assessment concluded", "weryfikacja zakończona"),
        "result.accepted": ("result accepted", "wynik zaakceptowany"),
        "appeal.lodged": ("appeal lodged", "odwołanie złożone"),
        "appeal.window-closed": ("appeal window closed", "termin odwołania minął"),
        "deadline.extended": ("deadline extended", "termin przedłużony"),
        "case.certified": ("certified", "certyfikat wydany"),
        "credential.issued": ("credential issued", "poświadczenie wydane"),
        "credential.revoked": ("credential revoked", "poświadczenie unieważnione"),
        "case.withdrawn": ("case withdrawn", "sprawa wycofana"),
        "case.expired": ("case expired", "sprawa wygasła"),
        "funding.requested": ("funding requested", "wniosek o finansowanie złożony"),
        "funding.approved": ("funding approved", "finansowanie przyznane"),
        "funding.refused": ("funding refused", "finansowania odmówiono"),
        "funding.released": ("funding given back", "finansowanie zwrócone"),
        "funding.settled": ("paid to the centre", "zapłacono instytucji"),
    },
}


class Words:
    """The pages' words in one language: ``t("key")`` for a phrase, ``t.of("role",
    value)`` for a value of an enumeration (the value itself if it has no words yet)."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGS else LANGS[0]
        self._i = LANGS.index(self.lang)

    def __call__(self, key: str) -> str:
        return TEXT[key][self._i]

    def of(self, kind: str, value: object) -> str:
        value = getattr(value, "value", value)
        words = ENUMS[kind].get(str(value))
        return words[self._i] if words else str(value)


def translator(lang: str) -> Words:
    return Words(lang)


# Why a field was refused, by Pydantic's error type, with {n} the limit where there is one.
INPUT_ERRORS: dict[str, tuple[str, str]] = {
    "missing": ("this field is required", "to pole jest wymagane"),
    "string_too_short": (
        "too short: at least {n} characters",
        "za krótkie: co najmniej {n} znaków",
    ),
    "string_too_long": ("too long: at most {n} characters", "za długie: najwyżej {n} znaków"),
    "too_short": ("choose at least {n}", "wybierz co najmniej {n}"),
    "too_long": ("at most {n} items", "najwyżej {n} pozycji"),
    "string_pattern_mismatch": ("not in the expected form", "nie ma oczekiwanej postaci"),
    "int_parsing": ("a whole number is needed", "potrzebna jest liczba całkowita"),
    "greater_than_equal": ("at least {n}", "co najmniej {n}"),
    "less_than_equal": ("at most {n}", "najwyżej {n}"),
    "datetime_from_date_parsing": ("not a date and time", "to nie jest data i godzina"),
    "datetime_parsing": ("not a date and time", "to nie jest data i godzina"),
    "bool_parsing": ("yes or no is needed", "potrzebne jest tak lub nie"),
    "literal_error": ("not one of the choices", "to nie jest jedna z dostępnych opcji"),
    "enum": ("not one of the choices", "to nie jest jedna z dostępnych opcji"),
}
_LIMITS = ("min_length", "max_length", "ge", "le", "gt", "lt")


def input_error(lang: str, error: dict) -> str:
    """A refused field's reason in the person's language (Pydantic's words otherwise)."""
    words = INPUT_ERRORS.get(str(error.get("type")))
    if words is None:
        return str(error.get("msg", ""))
    ctx = error.get("ctx") or {}
    n = next((ctx[k] for k in _LIMITS if k in ctx), "")
    return words[LANGS.index(lang) if lang in LANGS else 0].replace("{n}", str(n))


def field_label(lang: str, field: str) -> str:
    """A field as its form labels it (``reason`` → "Powód"), else its name."""
    words = TEXT.get(field)
    return words[LANGS.index(lang) if lang in LANGS else 0] if words else field


LANG_COOKIE = "vnfil_lang"  # the language a person chose in this browser


def headers_language(cookie_header: str | None, accept: str | None) -> str:
    """The language of a request from its raw ``Cookie`` and ``Accept-Language`` headers
    (for answers made before a route reads the request)."""
    jar = SimpleCookie()
    try:
        jar.load(cookie_header or "")
    except CookieError:
        pass
    chosen = jar.get(LANG_COOKIE)
    return pick_language(chosen.value if chosen else None, accept)


def pick_language(cookie: str | None, accept: str | None) -> str:
    if cookie in LANGS:
        return str(cookie)
    return "pl" if (accept or "").lower().startswith("pl") else "en"
