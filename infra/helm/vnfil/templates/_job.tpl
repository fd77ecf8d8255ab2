{{/* A hook Job of one release: (dict "root" $ "name" "migrate" "weight" "-10"
     "args" (list "vnfil" "migrate") "job" .Values.migrations). It runs before the
     release's ConfigMap exists, so the settings are in its env, from the same template. */}}
{{- define "vnfil.hookJob" -}}
{{- $root := .root -}}
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ include "vnfil.fullname" $root }}-{{ .name }}
  labels:
    {{- include "vnfil.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .name }}
  annotations:
    helm.sh/hook: pre-install,pre-upgrade
    helm.sh/hook-weight: {{ .weight | quote }}
    # Kept (with its logs) until the next release replaces it.
    helm.sh/hook-delete-policy: before-hook-creation
spec:
  backoffLimit: {{ .job.backoffLimit }}
  activeDeadlineSeconds: {{ .job.activeDeadlineSeconds }}
  template:
    metadata:
      labels:
        {{- include "vnfil.labels" $root | nindent 8 }}
        app.kubernetes.io/component: {{ .name }}
    spec:
      restartPolicy: Never
      # The release's ServiceAccount does not exist yet on a first install.
      automountServiceAccountToken: false
      {{- include "vnfil.podCommon" $root | trim | nindent 6 }}
      containers:
        - name: {{ .name }}
          image: {{ include "vnfil.image" $root }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          command: {{ toJson .args }}
          envFrom:
            - secretRef:
                name: {{ include "vnfil.secretName" $root }}
          env:
            {{- range $name, $value := include "vnfil.config" $root | fromYaml }}
            - name: {{ $name }}
              value: {{ $value | toString | quote }}
            {{- end }}
          resources:
            {{- toYaml .job.resources | nindent 12 }}
          securityContext:
            {{- toYaml $root.Values.securityContext | nindent 12 }}
          volumeMounts:
            {{- include "vnfil.volumeMounts" $root | nindent 12 }}
      volumes:
        {{- include "vnfil.volumes" $root | nindent 8 }}
{{- end -}}
