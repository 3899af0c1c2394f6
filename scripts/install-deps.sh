#!/usr/bin/env bash
# Installs the Debian 12 packages attnscope builds and tests with. Everything comes from Debian.
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
PACKAGES=(
  build-essential cmake pkg-config
  libimgui-dev libstb-dev libglfw3-dev libgl-dev libgl1-mesa-dri
  libeigen3-dev doctest-dev nlohmann-json3-dev libicu-dev libcurl4-openssl-dev libssl-dev zlib1g-dev
  libfreetype-dev fonts-dejavu-core fonts-wqy-microhei
  xvfb xauth mesa-utils python3 python3-numpy
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
