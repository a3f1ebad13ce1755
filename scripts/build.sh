#!/usr/bin/env bash
# Builds the Pulumi program to bin/livekit-infra, the path Pulumi.yaml's
# runtime.options.buildTarget names, with the settings of scripts/goenv.sh.
# `pulumi up` rebuilds the same target itself; running this first (or after
# an edit) means `pulumi preview/up` find it up to date and do not relink.
#
#   bash scripts/build.sh                  # every stack kind
#   bash scripts/build.sh aws              # only the AWS kind: links one SDK
#   bash scripts/build.sh aws global       # kinds combine
#
# For `pulumi up` to build with the same flags and tags, export the same
# GOFLAGS: . scripts/goenv.sh; export GOFLAGS="$GOFLAGS -tags=lkinfra_only,lkinfra_aws"
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/goenv.sh
. scripts/goenv.sh
tags=""
for kind in "$@"; do
  tags="${tags:-lkinfra_only},lkinfra_${kind#lkinfra_}"
done
[ -n "$tags" ] && export GOFLAGS="$GOFLAGS -tags=$tags"
# On small machines the SDKs compile one package at a time (see goenv.sh).
build_lowmem bin/livekit-infra .
echo "built bin/livekit-infra${tags:+ (tags $tags)}"
