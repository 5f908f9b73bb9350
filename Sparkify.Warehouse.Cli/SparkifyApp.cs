using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Sparkify.Warehouse.Cli.Configuration;

namespace Sparkify.Warehouse.Cli;

/// <summary>Runs one <c>sparkify</c> command line in-process; <see cref="Program"/> and the tests both call it.</summary>
internal static class SparkifyApp
{
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default)
    {
        // Parsing comes first: the command line's setting options and --config file are configuration.
        var cli = new CliContext(stdout, stderr);
        var root = SparkifyCommands.CreateRoot(cli);
        var parseResult = root.Parse(args);
        if (parseResult.Errors.Count > 0)
        {
            foreach (var error in parseResult.Errors)
            {
                await stderr.WriteLineAsync("error: " + error.Message).ConfigureAwait(false);
            }

            await stderr.WriteLineAsync($"Run '{parseResult.CommandResult.Command.Name} --help' for usage.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        IHost host;
        try
        {
            host = BuildHost(parseResult, verbose: args.Contains("--verbose"));
        }
        catch (UsageException e)
        {
            await stderr.WriteLineAsync("error: " + e.Message).ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        using (host)
        {
            cli.Attach(host.Services);
            WarnAboutReadableSecrets(host.Services, parseResult);
            return await InvokeAsync(parseResult, host.Services, stdout, stderr, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Every configuration file read, and a --config dwh.cfg, is checked for a secret others can read.</summary>
    private static void WarnAboutReadableSecrets(IServiceProvider services, ParseResult parseResult)
    {
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Sparkify.Configuration");
        SecretFilePermissions.CheckAll(services.GetRequiredService<IConfiguration>(), logger);
        if (CliConfiguration.Value(parseResult, CommonOptions.ConfigName) is { } dwhConfig)
        {
            SecretFilePermissions.Check(dwhConfig, logger);
        }
    }

    private static IHost BuildHost(ParseResult parseResult, bool verbose)
    {
        // An empty builder, given only what a command uses: the default one also sets up the Debug,
        // EventSource and EventLog loggers, metrics and host configuration, which every start of a short
        // command would pay for. The command line belongs to System.CommandLine, not to configuration.
        var environmentName = Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT") ?? Environments.Production;
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings
        {
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = environmentName,
        });

        // The tool's own settings (logging defaults), then the environment; one short run, so no file watchers.
        builder.Configuration
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true, reloadOnChange: false)
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, $"appsettings.{environmentName}.json"), optional: true, reloadOnChange: false)
            .AddEnvironmentVariables();
        CliConfiguration.Configure(builder.Configuration, builder.Environment, parseResult);

        // The library's registration and start-up validation. A connection is checked only by commands
        // that connect (scripts and dry runs do not), and PostgreSQL falls back to the embedded server.
        builder.Services.AddSparkifyWarehouse(builder.Configuration, connectionRequired: false);

        builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        });
        // Logs go to stderr so that stdout carries only results (scripts, CSV, JSON).
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);

        // EF logs every failed command at Error, including its own probe of the migrations history table
        // of an empty database. A failure reaches the user once, as the command's one-line error.
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore.Database.Command", verbose ? LogLevel.Debug : LogLevel.None);
        if (verbose)
        {
            builder.Logging.SetMinimumLevel(LogLevel.Debug);
            builder.Logging.AddFilter("Sparkify", LogLevel.Debug);
        }

        return builder.Build();
    }

    private static async Task<int> InvokeAsync(ParseResult parseResult, IServiceProvider services, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        try
        {
            // Help and --version need no settings; a command does, and a bad one stops it before any work.
            if (parseResult.Action is not null && parseResult.Action == parseResult.CommandResult.Command.Action)
            {
                services.GetRequiredService<IStartupValidator>().Validate();
            }

            return await parseResult.InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false }, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await stderr.WriteLineAsync("Cancelled.").ConfigureAwait(false);
            return ExitCodes.Cancelled;
        }
        catch (OptionsValidationException e)
        {
            foreach (var failure in e.Failures)
            {
                await stderr.WriteLineAsync("error: " + failure).ConfigureAwait(false);
            }

            return ExitCodes.Usage;
        }
        catch (UsageException e)
        {
            await stderr.WriteLineAsync("error: " + e.Message).ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        catch (WarehouseException e)
        {
            await stderr.WriteLineAsync("error: " + e.Message).ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            // Anything else that escapes is still reported as one line: no stack traces for users.
            await stderr.WriteLineAsync("error: " + Loading.ErrorText.Describe(e)).ConfigureAwait(false);
            return ExitCodes.Failure;
        }
    }
}

/// <summary>A command line or configuration mistake: reported with exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
