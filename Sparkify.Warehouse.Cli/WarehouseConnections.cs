using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;

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

    /// <summary>The connection string: <c>--connection</c>, then <c>SPARKIFY_CONNECTION</c>, then configuration.</summary>
    public string? FindConfigured(string? option)
        => NonEmpty(option)
            ?? NonEmpty(Environment.GetEnvironmentVariable("SPARKIFY_CONNECTION"))
            ?? NonEmpty(cli.Configuration["Sparkify:ConnectionString"])
            ?? NonEmpty(cli.Configuration.GetConnectionString("Warehouse"));

    public Task<string> ResolveAsync(WarehouseProvider provider, string? option, CancellationToken cancellationToken)
    {
        if (FindConfigured(option) is { } configured)
        {
            return Task.FromResult(configured);
        }

        if (provider == WarehouseProvider.Redshift)
        {
            throw new UsageException("Redshift needs a connection: pass --connection, set SPARKIFY_CONNECTION, or set ConnectionStrings:Warehouse.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        throw new UsageException("No connection configured: pass --connection or set SPARKIFY_CONNECTION.");
    }

    public static WarehouseDbContext CreateContext(string connectionString, WarehouseProvider provider)
        => new(new DbContextOptionsBuilder<WarehouseDbContext>().UseWarehouse(connectionString, provider).Options);

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
