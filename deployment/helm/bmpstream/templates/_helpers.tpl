{{/* Chart name, possibly overridden. */}}
{{- define "bmpstream.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name of the release's objects. */}}
{{- define "bmpstream.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else if contains (include "bmpstream.name" .) .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (include "bmpstream.name" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/* Labels selecting the release's pods (never change after install). */}}
{{- define "bmpstream.selectorLabels" -}}
app.kubernetes.io/name: {{ include "bmpstream.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Labels of every object. */}}
{{- define "bmpstream.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "bmpstream.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: bmpstream
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "bmpstream.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "bmpstream.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Where the config file and the Secrets are mounted. */}}
{{- define "bmpstream.configDir" -}}/etc/bmpstream{{- end }}
{{- define "bmpstream.bmpTLSDir" -}}/etc/bmpstream-secrets/bmp-tls{{- end }}
{{- define "bmpstream.kafkaTLSDir" -}}/etc/bmpstream-secrets/kafka-tls{{- end }}

{{/*
The collector's config file (keys are flag names): the settings the chart derives from
its values, then .Values.config. A key of .Values.config that the chart derives is an
error, so that ports, probes and Services always agree with the collector.
*/}}
{{- define "bmpstream.config" -}}
{{- $v := .Values -}}
{{- $c := dict "source-port" (int $v.bmp.port) "metrics-address" (printf "0.0.0.0:%d" (int $v.metrics.port)) "shutdown-timeout" (printf "%ds" (int $v.shutdownTimeoutSeconds)) -}}
{{- with $v.bmp.allowedRouters }}{{ $_ := set $c "allowed-routers" . }}{{ end -}}
{{- if $v.bmp.tls.enabled -}}
{{- if not $v.bmp.tls.secretName }}{{ fail "bmp.tls.enabled needs bmp.tls.secretName (a kubernetes.io/tls Secret)" }}{{ end -}}
{{- $_ := set $c "tls-port" (int $v.bmp.tls.port) -}}
{{- $_ := set $c "tls-cert" (printf "%s/tls.crt" (include "bmpstream.bmpTLSDir" .)) -}}
{{- $_ := set $c "tls-key" (printf "%s/tls.key" (include "bmpstream.bmpTLSDir" .)) -}}
{{- if $v.bmp.tls.clientCA }}{{ $_ := set $c "tls-client-ca" (printf "%s/ca.crt" (include "bmpstream.bmpTLSDir" .)) }}{{ end -}}
{{- if not $v.bmp.tls.plainListener }}{{ $_ := set $c "plain-listener" false }}{{ end -}}
{{- end -}}
{{- if $v.kafka.servers -}}
{{- $_ := set $c "kafka-server" $v.kafka.servers -}}
{{- $_ := set $c "kafka-topic-prefix" $v.kafka.topicPrefix -}}
{{- if $v.kafka.tls.enabled -}}
{{- $_ := set $c "kafka-tls" true -}}
{{- if $v.kafka.tls.secretName -}}
{{- $_ := set $c "kafka-tls-ca" (printf "%s/ca.crt" (include "bmpstream.kafkaTLSDir" .)) -}}
{{- if $v.kafka.tls.mutual -}}
{{- $_ := set $c "kafka-tls-cert" (printf "%s/tls.crt" (include "bmpstream.kafkaTLSDir" .)) -}}
{{- $_ := set $c "kafka-tls-key" (printf "%s/tls.key" (include "bmpstream.kafkaTLSDir" .)) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if $v.kafka.sasl.mechanism -}}
{{- if not $v.kafka.sasl.passwordSecret.name }}{{ fail "kafka.sasl.mechanism needs kafka.sasl.passwordSecret.name" }}{{ end -}}
{{- $_ := set $c "kafka-sasl-mechanism" $v.kafka.sasl.mechanism -}}
{{- $_ := set $c "kafka-sasl-username" $v.kafka.sasl.username -}}
{{- end -}}
{{- end -}}
{{- if and $v.nats.servers (not $v.nats.urlSecret.name) }}{{ $_ := set $c "nats-server" $v.nats.servers }}{{ end -}}
{{- if and (or $v.nats.servers $v.nats.urlSecret.name) $v.nats.jetstream }}{{ $_ := set $c "nats-jetstream" true }}{{ end -}}
{{- range $k, $_ := $v.config -}}
{{- if hasKey $c $k }}{{ fail (printf "config.%s is set by the chart from its values (see values.yaml); set it there" $k) }}{{ end -}}
{{- if or (contains "password" $k) (contains "secret" $k) (contains "token" $k) }}{{ fail (printf "config.%s: secrets go in a Secret (extraEnv with secretKeyRef), never in the ConfigMap" $k) }}{{ end -}}
{{- end -}}
{{- toYaml (merge (deepCopy $v.config) $c) }}
{{- end }}
