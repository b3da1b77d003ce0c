# The connector and CLI (`tunnel`): docker build -f deploy/docker/connector.Dockerfile .
# One native binary (NativeAOT), as cloudflared is: the image needs no .NET runtime.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
RUN apt-get update && apt-get install -y --no-install-recommends clang zlib1g-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# The build platform's architecture: NativeAOT does not cross-compile, so build each platform on its own (buildx).
ARG TARGETARCH
RUN dotnet publish Connector/Tunnel.Connector.csproj -c Release -a "$TARGETARCH" -o /app

FROM mcr.microsoft.com/dotnet/runtime-deps:10.0
WORKDIR /app
COPY --from=build /app/tunnel /app/tunnel
# /metrics, /healthz and /readyz of `tunnel run`; ready = a connection registered at the edge.
ENV TUNNEL_METRICS=0.0.0.0:2000
USER app
EXPOSE 2000
HEALTHCHECK --interval=10s --timeout=8s --start-period=20s CMD ["/app/tunnel", "probe", "http://127.0.0.1:2000/readyz"]
ENTRYPOINT ["/app/tunnel"]
