#!/usr/bin/env bash
# A stand-in for the Dockerfile's python base image, built from Debian's packages where no container
# registry is reachable; prints its name. It stays in podman's image store and is reused while this script
# and the CA bundle it carries are unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."
export CONTAINERS_CONF="$PWD/tests/container/containers.conf"

suite=bookworm
certs=/etc/ssl/certs/ca-certificates.crt
tag="localhost/apio-sim-base:$suite-$(cat "$0" "$CONTAINERS_CONF" "$certs" | sha256sum | cut -c1-12)"
if podman image exists "$tag"; then
    echo "$tag"
    exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Without documentation, manuals and translations, as the slim images are.
mmdebstrap --quiet --variant=minbase --include=python3,python3-venv,ca-certificates \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/info/*' \
    "$suite" "$work/rootfs.tar" >&2
rootfs=$(podman import --quiet "$work/rootfs.tar")
cp "$certs" "$work/ca-certificates.crt"
# Like the official image: `python` and `pip` first on PATH (here a venv's), and pip trusts the machine's CAs.
cat >"$work/Containerfile" <<CONTAINERFILE
FROM $rootfs
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
RUN python3 -m venv /usr/local/python && rm -rf /var/lib/apt/lists/* /var/cache/apt/*
ENV PATH=/usr/local/python/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C.UTF-8
CMD ["python3"]
CONTAINERFILE
podman build --quiet --format docker --network=host --tag "$tag" "$work" >&2
podman rmi --force "$rootfs" >/dev/null
echo "$tag"
