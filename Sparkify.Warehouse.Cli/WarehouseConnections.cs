using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sparkify.Warehouse.Hosting;

namespace Sparkify.Warehouse.Cli;

/// <summary>Decides which database a command talks to, from options, environment and configuration.</summary>
internal sealed class WarehouseConnections(CliContext cli)
{
    public WarehouseProvider ResolveProvider(WarehouseProvider? option)
    {
        if (option is { } chosen)
        {
            return chosen;
        }

        var configured = cli.Configuration["Sparkify:Provider"];
        if (string.IsNullOrEmpty(configured))
        {
            return WarehouseProvider.Postgres;
        }

        return Enum.TryParse<WarehouseProvider>(configured, ignoreCase: true, out var provider)
            ? provider
            : throw new UsageException($"Sparkify:Provider is '{configured}'; accepted: postgres, redshift.");
    }

    /// <summary>
    /// The connection string: <c>--connection</c>, then <c>SPARKIFY_CONNECTION</c>, then configuration;
    /// refused (without being echoed: it may hold a password) when it does not parse.
    /// </summary>
    public string? FindConfigured(string? option)
    {
        var (value, origin) = NonEmpty(option) is { } fromOption ? (fromOption, "--connection")
            : NonEmpty(Environment.GetEnvironmentVariable("SPARKIFY_CONNECTION")) is { } fromEnvironment ? (fromEnvironment, "SPARKIFY_CONNECTION")
            : NonEmpty(cli.Configuration["Sparkify:ConnectionString"]) is { } fromSparkify ? (fromSparkify, "Sparkify:ConnectionString")
            : (NonEmpty(cli.Configuration.GetConnectionString("Warehouse")), "ConnectionStrings:Warehouse");
        return value is not null && ConnectionStringCheck.Problem(value) is { } problem
            ? throw new UsageException($"The connection string from {origin} is not a valid Npgsql connection string: {problem}.")
            : value;
    }

    /// <summary>The configured connection, or else (PostgreSQL only) the embedded local server, started if needed.</summary>
    public async Task<string> ResolveAsync(WarehouseProvider provider, string? option, CancellationToken cancellationToken)
    {
        if (FindConfigured(option) is { } configured)
        {
            return configured;
        }

        if (provider == WarehouseProvider.Redshift)
        {
            throw new UsageException("Redshift needs a connection: pass --connection, set SPARKIFY_CONNECTION, or set ConnectionStrings:Warehouse.");
        }

        return await CreateLocalServer().StartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The embedded server under <c>SPARKIFY_HOME</c> (default <c>~/.sparkify</c>).</summary>
    public LocalPostgresServer CreateLocalServer()
        => new(home: null, cli.Services.GetRequiredService<ILoggerFactory>().CreateLogger<LocalPostgresServer>());

    public static WarehouseDbContext CreateContext(string connectionString, WarehouseProvider provider)
        => new(new DbContextOptionsBuilder<WarehouseDbContext>().UseWarehouse(connectionString, provider).Options);

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
