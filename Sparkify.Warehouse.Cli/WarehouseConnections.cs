using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sparkify.Warehouse.LocalServer;

namespace Sparkify.Warehouse.Cli;

/// <summary>
/// Decides which database a command talks to. The settings come from the host's
/// <see cref="WarehouseOptions"/> (configuration, <c>--config</c> and the command line's options, in that
/// order); with no connection configured, PostgreSQL means the embedded local server.
/// </summary>
internal sealed class WarehouseConnections(CliContext cli)
{
    // A context is built before its connection is known; this one only has to parse, it is never opened.
    private const string Placeholder = "Host=localhost";

    private WarehouseOptions Configured => cli.Services.GetRequiredService<IOptions<WarehouseOptions>>().Value;

    /// <summary>The provider: <paramref name="option"/> when given, else the configured one.</summary>
    public WarehouseProvider ResolveProvider(WarehouseProvider? option) => option ?? Configured.Provider;

    /// <summary>The connection string: <paramref name="option"/>, else the configured one, if any.</summary>
    public string? FindConfigured(string? option) => NonEmpty(option) ?? NonEmpty(Configured.ConnectionString);

    /// <summary>
    /// The configured connection, or else (PostgreSQL only) the embedded local server, started if needed.
    /// A command resolves its connection to open a context next; EF Core's first context in a process
    /// (its internal services and the model) costs about as much CPU as opening the connection, so it is
    /// built on another core meanwhile, for the contexts the caller creates next (<see cref="OpenContextAsync"/> builds and returns that context itself).
    /// </summary>
    public async Task<string> ResolveAsync(WarehouseProvider provider, string? option, CancellationToken cancellationToken)
    {
        var contextReady = Task.Run(() => WarmUpContext(provider), cancellationToken);
        var connectionString = await ResolveConnectionAsync(provider, option, cancellationToken).ConfigureAwait(false);
        await contextReady.ConfigureAwait(false);
        return connectionString;
    }

    /// <summary>
    /// The configured connection, or else (PostgreSQL only) the embedded local server, started if needed, for a
    /// command that builds no EF Core context (<see cref="ResolveAsync"/> for one that does).
    /// </summary>
    public async Task<string> ResolveConnectionAsync(WarehouseProvider provider, string? option, CancellationToken cancellationToken)
    {
        if (FindConfigured(option) is { } configured)
        {
            return configured;
        }

        if (provider == WarehouseProvider.Redshift)
        {
            throw new UsageException($"{WarehouseOptions.SectionName}:{nameof(WarehouseOptions.ConnectionString)} (or ConnectionStrings:Warehouse) is not set; "
                + "Redshift needs the cluster's connection string (Host=<cluster endpoint>;Port=5439;Database=<db>;Username=<user>;Password=<password>)."
                + " Pass --connection, set SPARKIFY_CONNECTION, or name the scripts' dwh.cfg with --config.");
        }

        return await CreateLocalServer().StartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A context connected to the configured warehouse, or else (PostgreSQL only) to the embedded local server,
    /// started if needed. The context itself, EF Core's first in the process (its internal services and the
    /// model), is built on another core while the connection is resolved, and is the one returned.
    /// </summary>
    public async Task<WarehouseDbContext> OpenContextAsync(WarehouseProvider provider, string? option, CancellationToken cancellationToken)
    {
        // Without a configured connection the embedded server's is set once it is known; it is a
        // PostgreSQL connection string, which UseWarehouse would have taken as it is.
        var configured = FindConfigured(option);
        var contextReady = Task.Run(() => BuildContext(configured ?? Placeholder, provider), cancellationToken);
        string connectionString;
        try
        {
            connectionString = await ResolveConnectionAsync(provider, option, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Not handed out: dispose it once built (it never connected), whatever became of the build.
            await contextReady.ContinueWith(
                built =>
                {
                    if (built.IsCompletedSuccessfully)
                    {
                        built.Result.Dispose();
                    }
                },
                TaskScheduler.Default).ConfigureAwait(false);
            throw;
        }

        var context = await contextReady.ConfigureAwait(false);
        if (configured is null)
        {
            context.Database.SetConnectionString(connectionString);
        }

        return context;
    }

    /// <summary>The configured options with the connection resolved (see <see cref="ResolveAsync"/>), as a new instance.</summary>
    /// <param name="buildsContexts">
    /// Whether the caller goes on to build EF Core contexts (the first is then built on another core meanwhile);
    /// a load builds none.
    /// </param>
    /// <param name="cancellationToken">Cancels starting the embedded server.</param>
    public async Task<WarehouseOptions> ResolveOptionsAsync(bool buildsContexts, CancellationToken cancellationToken)
    {
        var options = CreateOptions();
        options.ConnectionString = buildsContexts
            ? await ResolveAsync(options.Provider, null, cancellationToken).ConfigureAwait(false)
            : await ResolveConnectionAsync(options.Provider, null, cancellationToken).ConfigureAwait(false);
        return options;
    }

    /// <summary>
    /// A new instance of the configured options, bound and validated like the host's own, that the caller
    /// may change without affecting anything else.
    /// </summary>
    public WarehouseOptions CreateOptions()
        => cli.Services.GetRequiredService<IOptionsFactory<WarehouseOptions>>().Create(Options.DefaultName);

    /// <summary>A context from the host's registration, connected as <see cref="ResolveAsync"/> decides.</summary>
    public async Task<WarehouseDbContext> CreateContextAsync(CancellationToken cancellationToken)
    {
        var connectionString = await ResolveAsync(Configured.Provider, null, cancellationToken).ConfigureAwait(false);
        var context = CreateOfflineContext();
        if (NonEmpty(Configured.ConnectionString) is null)
        {
            context.Database.SetConnectionString(connectionString);
        }

        return context;
    }

    /// <summary>A context for work that never connects (scripts): no embedded server is started for it.</summary>
    public WarehouseDbContext CreateOfflineContext()
        => cli.Services.GetRequiredService<IDbContextFactory<WarehouseDbContext>>().CreateDbContext();

    /// <summary>The embedded server under <c>SPARKIFY_HOME</c> (default <c>~/.sparkify</c>).</summary>
    public LocalPostgresServer CreateLocalServer()
        => new(home: null, cli.Services.GetRequiredService<ILoggerFactory>().CreateLogger<LocalPostgresServer>());

    public static WarehouseDbContext CreateContext(string connectionString, WarehouseProvider provider)
        => new(new DbContextOptionsBuilder<WarehouseDbContext>().UseWarehouse(connectionString, provider).Options);

    /// <summary>Builds what every later context of <paramref name="provider"/> in this process shares; never connects.</summary>
    private static void WarmUpContext(WarehouseProvider provider) => BuildContext(Placeholder, provider).Dispose();

    /// <summary>A context with its model built; never connects.</summary>
    private static WarehouseDbContext BuildContext(string connectionString, WarehouseProvider provider)
    {
        var context = CreateContext(connectionString, provider);
        _ = context.Model;
        return context;
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
