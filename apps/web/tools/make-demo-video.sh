#!/usr/bin/env bash
# Regenerates public/demo.webm, the offline demo "stream" (10 min, 256x144, VP9, ~32 kB):
# a dark field with a box sliding across it, so motion shows the player is running.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ffmpeg -loglevel error -y -f lavfi \
  -i "color=c=0x1d2b53:size=256x144:rate=2:duration=600,drawbox=x='mod(t*20,256)':y=60:w=24:h=24:color=0xff77a8@1:t=fill" \
  -c:v libvpx-vp9 -crf 50 -b:v 0 -g 600 -an public/demo.webm
