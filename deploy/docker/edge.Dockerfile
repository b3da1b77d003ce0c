# The edge (public HTTPS, connectors' endpoint, management port): docker build -f deploy/docker/edge.Dockerfile .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish Edge/Tunnel.Edge.csproj -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
USER app
EXPOSE 443 7844 7845
# Ready: a config snapshot is loaded (from the control plane or the cache).
HEALTHCHECK --interval=10s --timeout=8s --start-period=20s CMD ["dotnet", "/app/Tunnel.Edge.dll", "probe", "http://127.0.0.1:7845/readyz"]
ENTRYPOINT ["dotnet", "/app/Tunnel.Edge.dll"]
