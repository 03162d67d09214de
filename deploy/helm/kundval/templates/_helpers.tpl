{{- define "kundval.labels" -}}
app.kubernetes.io/part-of: kundval
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/instance: {{ .Release.Name }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{- end }}

{{- define "kundval.image" -}}
{{ .root.Values.image.registry }}/{{ .deployable }}:{{ .root.Values.image.tag }}
{{- end }}

{{/* The environment every process shares; secrets by reference only. */}}
{{- define "kundval.commonEnv" -}}
- name: KUNDVAL_ENV
  value: production
- name: MUNICIPALITY
  value: {{ .Values.municipality | quote }}
- name: AUTH_ISSUER
  value: {{ .Values.auth.issuer | quote }}
- name: AUTH_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ .Values.secrets.auth.name }}
      key: {{ .Values.secrets.auth.key }}
- name: NATS_URL
  value: {{ .Values.nats.url | quote }}
- name: NATS_STREAM_REPLICAS
  value: {{ .Values.nats.streamReplicas | quote }}
- name: NATS_EVENT_STREAM_MAX_BYTES
  value: {{ .Values.nats.eventStreamMaxBytes | int64 | quote }}
- name: TEMPORAL_ADDRESS
  value: {{ .Values.temporal.address | quote }}
- name: TEMPORAL_NAMESPACE
  value: {{ .Values.temporal.namespace | quote }}
- name: TEMPORAL_UI_URL
  value: {{ .Values.temporal.uiUrl | quote }}
- name: DECISIONS_URL
  value: http://{{ .Release.Name }}-decisions:{{ .Values.port }}
- name: ORDERS_URL
  value: http://{{ .Release.Name }}-orders:{{ .Values.port }}
- name: BILLING_URL
  value: http://{{ .Release.Name }}-billing:{{ .Values.port }}
{{- end }}

{{- define "kundval.podSecurity" -}}
securityContext:
  runAsNonRoot: true
  runAsUser: 1000
  runAsGroup: 1000
  seccompProfile:
    type: RuntimeDefault
{{- end }}

{{- define "kundval.containerSecurity" -}}
securityContext:
  allowPrivilegeEscalation: false
  readOnlyRootFilesystem: true
  capabilities:
    drop: ["ALL"]
{{- end }}
