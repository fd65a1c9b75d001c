#!/bin/sh
# Makes docs/rates.png, the picture in docs/run.md: the Summary sheet of a run comparing six η on Mazur's
# network, as LibreOffice prints it. Needs uv, LibreOffice (soffice) and poppler (pdftoppm).
set -eu
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
uv run sheetnet run --config examples/mazur-2-2-2.toml --lr 0.1,0.2,0.5,0.8,1,2 --iters 50 \
    --out "$tmp/rates.xlsx" --quiet >/dev/null
soffice "-env:UserInstallation=file://$tmp/profile" --headless --convert-to pdf --outdir "$tmp" \
    "$tmp/rates.xlsx" >/dev/null 2>&1
# page 2 is the Summary (Setup prints on one page): its table and chart, at 110 dpi
pdftoppm -png -r 110 -f 2 -l 2 -x 70 -y 80 -W 1000 -H 680 -singlefile "$tmp/rates.pdf" docs/rates
