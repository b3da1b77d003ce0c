return await Tunnel.Connector.Cli.CommandLine.InvokeAsync(args);
