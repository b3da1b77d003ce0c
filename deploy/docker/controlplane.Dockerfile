# The control plane (API, dashboard, config for edges): docker build -f deploy/docker/controlplane.Dockerfile .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish ControlPlane/Tunnel.ControlPlane.csproj -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
ENV ASPNETCORE_URLS=https://0.0.0.0:7800
USER app
EXPOSE 7800
# Ready: the database answers. The runtime image has no curl: the service probes itself.
HEALTHCHECK --interval=10s --timeout=8s --start-period=20s CMD ["dotnet", "/app/Tunnel.ControlPlane.dll", "probe", "https://127.0.0.1:7800/readyz"]
ENTRYPOINT ["dotnet", "/app/Tunnel.ControlPlane.dll"]
