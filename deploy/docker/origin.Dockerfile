# The demo origin of docker-compose.yml (echo, downloads, /whoami verifying Access assertions): not for production.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish tests/Tunnel.DemoOrigin/Tunnel.DemoOrigin.csproj -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
ENV ASPNETCORE_URLS=http://0.0.0.0:3000
USER app
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=8s CMD ["dotnet", "/app/Tunnel.DemoOrigin.dll", "probe", "http://127.0.0.1:3000/healthz"]
ENTRYPOINT ["dotnet", "/app/Tunnel.DemoOrigin.dll"]
