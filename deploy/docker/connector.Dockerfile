# The connector and CLI (`tunnel`): docker build -f deploy/docker/connector.Dockerfile .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish Connector/Tunnel.Connector.csproj -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
# /metrics, /healthz and /readyz of `tunnel run`; ready = a connection registered at the edge.
ENV TUNNEL_METRICS=0.0.0.0:2000
USER app
EXPOSE 2000
HEALTHCHECK --interval=10s --timeout=8s --start-period=20s CMD ["dotnet", "/app/tunnel.dll", "probe", "http://127.0.0.1:2000/readyz"]
ENTRYPOINT ["dotnet", "/app/tunnel.dll"]
