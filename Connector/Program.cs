Tunnel.Shared.Hosting.HealthProbe.RunIfAsked(args); // `tunnel probe URL`: a container health check
return await Tunnel.Connector.Cli.CommandLine.InvokeAsync(args);
