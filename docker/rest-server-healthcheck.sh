#!/bin/bash
# The rest-server image's health check: an HTTP answer on the port (8000 unless given).
# Without credentials rest-server answers 401, which is what a healthy server that
# authenticates says. Bash's /dev/tcp, so the image needs no curl.
set -eu
exec 3<>"/dev/tcp/127.0.0.1/${1:-8000}"
printf 'GET / HTTP/1.0\r\n\r\n' >&3
read -r -t 4 version status _ <&3
[[ $version == HTTP/* && ($status == 401 || $status == 2*) ]]
