#!/usr/bin/env bash
# Install the bundle built by `./dev bundle` for the current user (no root needed):
#
#   packaging/linux/install.sh [BUNDLE_DIR]     (default: dist/shopper)
#
#   ~/.local/opt/shopper/                 the application folder (replaced if present)
#   ~/.local/bin/shopper-gui, shopper     links to its two programs
#   ~/.local/share/applications/shopper.desktop and the icon: Shopper in the desktop's menu
#
# Remove with: packaging/linux/install.sh --uninstall
set -euo pipefail

HERE="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
DATA="${XDG_DATA_HOME:-$HOME/.local/share}"
OPT="$HOME/.local/opt/shopper"
BIN="$HOME/.local/bin"
DESKTOP="$DATA/applications/shopper.desktop"
ICON="$DATA/icons/hicolor/256x256/apps/shopper.png"

if [[ "${1:-}" == "--uninstall" ]]; then
    rm -rf "$OPT" "$BIN/shopper-gui" "$BIN/shopper" "$DESKTOP" "$ICON"
    echo "Shopper removed (your databases in $DATA/Shopper are kept)."
    exit 0
fi

BUNDLE="$(readlink -f "${1:-$ROOT/dist/shopper}")"
[[ -x "$BUNDLE/shopper-gui" && -x "$BUNDLE/shopper" ]] \
    || { echo "install.sh: no bundle at $BUNDLE: run ./dev bundle first" >&2; exit 1; }

mkdir -p "$(dirname "$OPT")" "$BIN" "$(dirname "$DESKTOP")" "$(dirname "$ICON")"
rm -rf "$OPT.new"
cp -a "$BUNDLE" "$OPT.new"
rm -rf "$OPT"
mv "$OPT.new" "$OPT"
ln -sfn "$OPT/shopper-gui" "$BIN/shopper-gui"
ln -sfn "$OPT/shopper" "$BIN/shopper"
install -m 644 "$OPT/_internal/shopper_resources/icons/shopper.png" "$ICON"
# The menu entry runs the installed program by its full path (~/.local/bin may not be on PATH).
sed -e "s|^Exec=shopper-gui|Exec=$OPT/shopper-gui|" "$HERE/shopper.desktop" >"$DESKTOP"
chmod 644 "$DESKTOP"
command -v update-desktop-database >/dev/null 2>&1 \
    && update-desktop-database -q "$(dirname "$DESKTOP")" || true
echo "Shopper installed in $OPT; start it from the menu or with $BIN/shopper-gui"
