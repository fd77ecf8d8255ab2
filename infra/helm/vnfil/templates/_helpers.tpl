{{/* Names, labels and the settings every vnfil process shares. */}}

{{- define "vnfil.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "vnfil.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "vnfil.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "vnfil.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: vnfil
{{- end -}}

{{/* Selector labels of one component: (dict "root" $ "component" "api") */}}
{{- define "vnfil.selector" -}}
app.kubernetes.io/name: {{ include "vnfil.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "vnfil.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}

{{- define "vnfil.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- .Values.serviceAccount.name | default (include "vnfil.fullname" .) -}}
{{- else -}}
{{- .Values.serviceAccount.name | default "default" -}}
{{- end -}}
{{- end -}}

{{- define "vnfil.secretName" -}}
{{- .Values.secrets.existingSecret | default (printf "%s-secrets" (include "vnfil.fullname" .)) -}}
{{- end -}}

{{- define "vnfil.temporalTlsDir" -}}/etc/vnfil/temporal-tls{{- end -}}

{{/* The settings every process shares, as VNFIL_* name: "value" lines: the ConfigMap's
     data, and the hook Jobs' env (they run before the ConfigMap exists). */}}
{{- define "vnfil.config" -}}
{{- $c := .Values.config -}}
VNFIL_ENVIRONMENT: {{ $c.environment | quote }}
VNFIL_PUBLIC_BASE_URL: {{ required "config.publicBaseUrl is required: the public https address" $c.publicBaseUrl | quote }}
VNFIL_TEMPORAL_ADDRESS: {{ required "config.temporal.address is required" $c.temporal.address | quote }}
VNFIL_TEMPORAL_NAMESPACE: {{ $c.temporal.namespace | quote }}
VNFIL_TASK_QUEUE: {{ $c.temporal.taskQueue | quote }}
VNFIL_S3_ENDPOINT: {{ required "config.s3.endpoint is required (host:port)" $c.s3.endpoint | quote }}
VNFIL_S3_SECURE: {{ $c.s3.secure | toString | quote }}
VNFIL_S3_REGION: {{ $c.s3.region | quote }}
VNFIL_S3_BUCKET: {{ $c.s3.bucket | quote }}
VNFIL_SMTP_HOST: {{ $c.smtp.host | quote }}
VNFIL_SMTP_PORT: {{ $c.smtp.port | toString | quote }}
VNFIL_SMTP_FROM: {{ $c.smtp.from | quote }}
VNFIL_MAX_UPLOAD_BYTES: {{ $c.maxUploadBytes | int64 | toString | quote }}
VNFIL_WEBHOOK_ALLOW_PRIVATE_TARGETS: {{ $c.webhookAllowPrivateTargets | toString | quote }}
{{- with $c.temporal.tls }}
{{- if .enabled }}
VNFIL_TEMPORAL_TLS: "true"
{{- if .caFile }}
VNFIL_TEMPORAL_TLS_CA_PATH: {{ printf "%s/%s" (include "vnfil.temporalTlsDir" $) .caFile | quote }}
{{- end }}
{{- if and .certFile .keyFile }}
VNFIL_TEMPORAL_TLS_CERT_PATH: {{ printf "%s/%s" (include "vnfil.temporalTlsDir" $) .certFile | quote }}
VNFIL_TEMPORAL_TLS_KEY_PATH: {{ printf "%s/%s" (include "vnfil.temporalTlsDir" $) .keyFile | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- range $name, $value := $c.extra }}
{{ $name }}: {{ $value | toString | quote }}
{{- end }}
{{- end -}}

{{/* A process's database pool: (dict "db" .Values.api.database) */}}
{{- define "vnfil.poolEnv" -}}
- name: VNFIL_DB_POOL_SIZE
  value: {{ .db.poolSize | toString | quote }}
- name: VNFIL_DB_MAX_OVERFLOW
  value: {{ .db.maxOverflow | toString | quote }}
- name: VNFIL_DB_POOL_TIMEOUT_SECONDS
  value: {{ .db.poolTimeoutSeconds | toString | quote }}
- name: VNFIL_DB_POOL_RECYCLE_SECONDS
  value: {{ .db.poolRecycleSeconds | toString | quote }}
{{- end -}}

{{/* Extra VNFIL_* of one component: (dict "env" .Values.api.env) */}}
{{- define "vnfil.extraEnv" -}}
{{- range $name, $value := .env }}
- name: {{ $name }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- end -}}

{{/* What every pod mounts: /tmp (the root filesystem is read-only) and Temporal's TLS. */}}
{{- define "vnfil.volumes" -}}
- name: tmp
  emptyDir: {}
{{- if .Values.config.temporal.tls.enabled }}
- name: temporal-tls
  secret:
    secretName: {{ required "config.temporal.tls.secretName is required with TLS on" .Values.config.temporal.tls.secretName }}
{{- end }}
{{- end -}}

{{- define "vnfil.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- if .Values.config.temporal.tls.enabled }}
- name: temporal-tls
  mountPath: {{ include "vnfil.temporalTlsDir" . }}
  readOnly: true
{{- end }}
{{- end -}}

{{/* Pods of one component spread over nodes and zones: (dict "root" $ "component" "api") */}}
{{- define "vnfil.spread" -}}
{{- if .root.Values.topologySpread }}
topologySpreadConstraints:
  - maxSkew: 1
    topologyKey: kubernetes.io/hostname
    whenUnsatisfiable: ScheduleAnyway
    labelSelector:
      matchLabels:
        {{- include "vnfil.selector" . | nindent 8 }}
  - maxSkew: 1
    topologyKey: topology.kubernetes.io/zone
    whenUnsatisfiable: ScheduleAnyway
    labelSelector:
      matchLabels:
        {{- include "vnfil.selector" . | nindent 8 }}
{{- end }}
{{- end -}}

{{- define "vnfil.podCommon" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}
