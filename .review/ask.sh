#!/bin/bash
# usage: ask.sh name < js
name=$1
cat > /work/main/.review/inbox/$name.tmp
mv /work/main/.review/inbox/$name.tmp /work/main/.review/inbox/$name.js
rm -f /work/main/.review/outbox/$name.txt
for i in $(seq 1 1200); do
  if [ -f /work/main/.review/outbox/$name.txt ]; then cat /work/main/.review/outbox/$name.txt; exit 0; fi
  sleep 0.5
done
echo TIMEOUT
