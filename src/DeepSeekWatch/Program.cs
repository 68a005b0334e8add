return await DeepSeekWatch.Hosting.CommandLine.RunAsync(args);
