{{/* Names and labels shared by every template. */}}

{{- define "reply-scorer.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Release-scoped base name; "reply-scorer" for a release of that name. Kept to 52
characters so "<fullname>-qa" and StatefulSet pod names stay within label limits. */}}
{{- define "reply-scorer.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "reply-scorer.qaName" -}}
{{- printf "%s-qa" (include "reply-scorer.fullname" .) -}}
{{- end -}}

{{- define "reply-scorer.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "reply-scorer.labels" -}}
helm.sh/chart: {{ include "reply-scorer.chart" . }}
app.kubernetes.io/name: {{ include "reply-scorer.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ include "reply-scorer.imageTag" . | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: reply-scorer
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Selector labels; pass (dict "ctx" $ "component" "scorer"). */}}
{{- define "reply-scorer.selectorLabels" -}}
app.kubernetes.io/name: {{ include "reply-scorer.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "reply-scorer.imageTag" -}}
{{- .Values.image.tag | default .Chart.AppVersion -}}
{{- end -}}

{{- define "reply-scorer.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (include "reply-scorer.imageTag" .) -}}
{{- end -}}
{{- end -}}

{{- define "reply-scorer.scorerServiceAccountName" -}}
{{- if .Values.scorer.serviceAccount.create -}}
{{- default (include "reply-scorer.fullname" .) .Values.scorer.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.scorer.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "reply-scorer.qaServiceAccountName" -}}
{{- if .Values.qaApi.serviceAccount.create -}}
{{- default (include "reply-scorer.qaName" .) .Values.qaApi.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.qaApi.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The Kafka connection uses SASL (needs a user and password from kafka.existingSecret). */}}
{{- define "reply-scorer.kafkaSasl" -}}
{{- if hasPrefix "SASL_" .Values.kafka.securityProtocol }}true{{ end -}}
{{- end -}}

{{/* The Kafka connection uses TLS. */}}
{{- define "reply-scorer.kafkaTls" -}}
{{- if has .Values.kafka.securityProtocol (list "SSL" "SASL_SSL") }}true{{ end -}}
{{- end -}}

{{/* Where the CA bundle of the brokers is mounted in the scorer pods. */}}
{{- define "reply-scorer.kafkaCaDir" -}}/etc/reply-scorer/kafka{{- end -}}

{{/* Cross-value checks a JSON schema cannot express; rendered (empty) by every release. */}}
{{- define "reply-scorer.validate" -}}
{{- if and (include "reply-scorer.kafkaSasl" .) (not .Values.kafka.existingSecret) -}}
{{- fail (printf "kafka.securityProtocol=%s needs kafka.existingSecret: the Secret with the keys %s and %s (create it yourself; this chart never creates Secrets)" .Values.kafka.securityProtocol .Values.kafka.secretKeys.username .Values.kafka.secretKeys.password) -}}
{{- end -}}
{{- if and .Values.kafka.tls.caFromSecret (not .Values.kafka.existingSecret) -}}
{{- fail "kafka.tls.caFromSecret=true needs kafka.existingSecret (the Secret holding the CA bundle under kafka.secretKeys.caCert)" -}}
{{- end -}}
{{- if and .Values.kafka.tls.caFromSecret (not (include "reply-scorer.kafkaTls" .)) -}}
{{- fail (printf "kafka.tls.caFromSecret=true but kafka.securityProtocol=%s uses no TLS; use SSL or SASL_SSL, or set caFromSecret=false" .Values.kafka.securityProtocol) -}}
{{- end -}}
{{- if and .Values.qaApi.enabled (not .Values.store.existingSecret) -}}
{{- fail "qaApi.enabled=true needs store.existingSecret: the QA API serves the flagged store the scorer writes (a PostgreSQL URL under store.urlKey)" -}}
{{- end -}}
{{- if and .Values.qaApi.enabled (not .Values.qaApi.tokens.existingSecret) (not (hasKey .Values.qaApi.config "SCORER_API_PROXY_USER_HEADER")) -}}
{{- fail "qaApi.enabled=true needs qaApi.tokens.existingSecret (the Secret with SCORER_API_TOKENS), or single sign-on: SCORER_API_PROXY_USER_HEADER and SCORER_API_TRUSTED_PROXIES in qaApi.config" -}}
{{- end -}}
{{- if and (not .Values.autoscaling.enabled) (gt (int .Values.scorer.replicas) (int .Values.kafka.inputPartitions)) -}}
{{- fail (printf "scorer.replicas=%d is more than kafka.inputPartitions=%d: the extra group members would sit idle and never become ready" (int .Values.scorer.replicas) (int .Values.kafka.inputPartitions)) -}}
{{- end -}}
{{- if and .Values.autoscaling.enabled .Values.autoscaling.maxReplicaCount (gt (int .Values.autoscaling.maxReplicaCount) (int .Values.kafka.inputPartitions)) -}}
{{- fail (printf "autoscaling.maxReplicaCount=%d is more than kafka.inputPartitions=%d; leave it empty to scale up to the partition count" (int .Values.autoscaling.maxReplicaCount) (int .Values.kafka.inputPartitions)) -}}
{{- end -}}
{{- if and .Values.autoscaling.enabled (gt (int .Values.autoscaling.minReplicaCount) (int .Values.kafka.inputPartitions)) -}}
{{- fail "autoscaling.minReplicaCount is more than kafka.inputPartitions" -}}
{{- end -}}
{{- end -}}

{{/* KEDA's name for the SASL mechanism. */}}
{{- define "reply-scorer.kedaSasl" -}}
{{- $m := dict "PLAIN" "plaintext" "SCRAM-SHA-256" "scram_sha256" "SCRAM-SHA-512" "scram_sha512" -}}
{{- if include "reply-scorer.kafkaSasl" . -}}
{{- get $m .Values.kafka.saslMechanism -}}
{{- else -}}none{{- end -}}
{{- end -}}

{{/* NetworkPolicy egress rules as a YAML list; pass (dict "ctx" $ "kafka" true|false). */}}
{{- define "reply-scorer.egress" -}}
{{- $np := .ctx.Values.networkPolicy -}}
{{- $rules := list -}}
{{- if $np.egress.dns.enabled -}}
{{- $rule := dict "ports" (list (dict "port" 53 "protocol" "UDP") (dict "port" 53 "protocol" "TCP")) -}}
{{- with $np.egress.dns.to }}{{ $_ := set $rule "to" . }}{{ end -}}
{{- $rules = append $rules $rule -}}
{{- end -}}
{{- if .kafka -}}
{{- $ports := list -}}
{{- range $np.egress.kafka.ports }}{{ $ports = append $ports (dict "port" . "protocol" "TCP") }}{{ end -}}
{{- $rule := dict "ports" $ports -}}
{{- with $np.egress.kafka.to }}{{ $_ := set $rule "to" . }}{{ end -}}
{{- $rules = append $rules $rule -}}
{{- end -}}
{{- if .ctx.Values.store.existingSecret -}}
{{- $ports := list -}}
{{- range $np.egress.postgres.ports }}{{ $ports = append $ports (dict "port" . "protocol" "TCP") }}{{ end -}}
{{- $rule := dict "ports" $ports -}}
{{- with $np.egress.postgres.to }}{{ $_ := set $rule "to" . }}{{ end -}}
{{- $rules = append $rules $rule -}}
{{- end -}}
{{- $rules = concat $rules $np.egress.extra -}}
{{- toYaml $rules -}}
{{- end -}}

{{/* One NetworkPolicy ingress rule as a YAML list: (dict "port" NAME "from" PEERS). */}}
{{- define "reply-scorer.ingress" -}}
{{- $rule := dict "ports" (list (dict "port" .port "protocol" "TCP")) -}}
{{- with .from }}{{ $_ := set $rule "from" . }}{{ end -}}
{{- toYaml (list $rule) -}}
{{- end -}}
