#!/bin/sh
# Re-vendors GOV.UK Frontend into the board's static files (README "The board"). Needs npm and the
# registry; the service itself never fetches anything at run time. Pinned: change VERSION (and the
# table in src/practice_review/board/static/vendor/README.md) to update.
set -eu
VERSION=6.6.0
SASS=1.108.2
HERE=$(cd "$(dirname "$0")" && pwd)
OUT="$HERE/../../src/practice_review/board/static/vendor/govuk-frontend"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
npm init -y >/dev/null
npm install --no-save --no-audit --no-fund "govuk-frontend@$VERSION" "sass@$SASS" >/dev/null
cp "$HERE/board.scss" .
npx sass --no-source-map --style=compressed --load-path=node_modules board.scss "$OUT/govuk-frontend.min.css"
# The module without its source-map comment (the map is not shipped).
sed 's|//# sourceMappingURL=.*$||' node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js > "$OUT/govuk-frontend.min.js"
echo "$VERSION" > "$OUT/VERSION"
sha256sum "$OUT/govuk-frontend.min.css" "$OUT/govuk-frontend.min.js"
