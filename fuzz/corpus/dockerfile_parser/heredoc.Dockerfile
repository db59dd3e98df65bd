# escape=`
FROM alpine AS b
RUN <<EOF <<-EOT cat
x
EOF
	y
	EOT
COPY --from=b ["a", "b"] /
