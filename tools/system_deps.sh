#!/usr/bin/env bash
# Debian packages for the tests that look at outputs as people see them: Chromium (the
# report in a real browser, driven by Playwright with the system browser: no download),
# LibreOffice Calc (the workbooks open without repair) and Pango (the report as PDF, by
# WeasyPrint). Installed with apt-get when missing and run as root (as CI runs); otherwise
# a note says which tests will be skipped. `make test` and `make setup` run this.
set -u
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-calc-nogui)
ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so.0' || need+=(libpango-1.0-0 libpangoft2-1.0-0)
fc-list 2>/dev/null | grep -qi 'dejavu' || need+=(fonts-dejavu-core)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian packages: ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null \
        || { apt-get update -q >/dev/null && \
             apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null; } \
        || echo "could not install ${need[*]}: the browser, workbook and PDF tests will fail"
else
    echo "note: ${need[*]} not installed (needs root and apt-get); the tests that need them" \
         "are skipped outside CI"
fi
exit 0
