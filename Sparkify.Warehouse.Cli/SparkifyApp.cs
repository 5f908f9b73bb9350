using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Sparkify.Warehouse.Cli;

/// <summary>Runs one <c>sparkify</c> command line in-process; <see cref="Program"/> and the tests both call it.</summary>
internal static class SparkifyApp
{
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default)
    {
        var verbose = args.Contains("--verbose");
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            // The command line belongs to System.CommandLine, not to configuration.
            Args = [],
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT") ?? Environments.Production,
        });
        builder.Configuration.AddUserSecrets(typeof(SparkifyApp).Assembly, optional: true);
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        });
        // Logs go to stderr so that stdout carries only results (scripts, CSV, JSON).
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        if (verbose)
        {
            builder.Logging.SetMinimumLevel(LogLevel.Debug);
            builder.Logging.AddFilter("Sparkify", LogLevel.Debug);
        }

        using var host = builder.Build();
        SecretFilePermissions.CheckAll(host.Services.GetRequiredService<IConfiguration>(), host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Sparkify.Configuration"));
        var cli = new CliContext(host.Services, host.Services.GetRequiredService<IConfiguration>(), stdout, stderr);
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

        try
        {
            return await parseResult.InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false }, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await stderr.WriteLineAsync("Cancelled.").ConfigureAwait(false);
            return ExitCodes.Cancelled;
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
