using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql;

namespace Sparkify.Warehouse.Cli.Benchmarks;

/// <summary>
/// A fresh, migrated database per measurement on the benchmark's server, named
/// <c>sparkify_bench_&lt;label&gt;</c> and dropped again afterwards, so no measurement inherits another's
/// tables, statistics or bloat.
/// </summary>
internal sealed class BenchDatabases(string serverConnectionString)
{
    private readonly List<string> _created = [];

    /// <summary>Creates (replacing) the database and migrates it to <paramref name="migration"/> (null: the latest).</summary>
    /// <returns>Its connection string.</returns>
    public async Task<string> CreateAsync(string label, string? migration, CancellationToken cancellationToken)
    {
        var name = "sparkify_bench_" + label;
        await AdminAsync($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", cancellationToken).ConfigureAwait(false);
        await AdminAsync($"CREATE DATABASE {name}", cancellationToken).ConfigureAwait(false);
        _created.Add(name);
        var connectionString = new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = name }.ConnectionString;
        await using var context = WarehouseConnections.CreateContext(connectionString, WarehouseProvider.Postgres);
        await context.GetService<IMigrator>().MigrateAsync(migration, cancellationToken).ConfigureAwait(false);
        return connectionString;
    }

    /// <summary>Drops a database made by <see cref="CreateAsync"/> (its connections are closed first).</summary>
    public async Task DropAsync(string connectionString, CancellationToken cancellationToken)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        NpgsqlConnection.ClearAllPools();
        await AdminAsync($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", cancellationToken).ConfigureAwait(false);
        _created.Remove(name);
    }

    /// <summary>Drops every database still left, e.g. after a failed measurement.</summary>
    public async Task DropAllAsync()
    {
        NpgsqlConnection.ClearAllPools();
        foreach (var name in _created.ToList())
        {
            await AdminAsync($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", CancellationToken.None).ConfigureAwait(false);
        }

        _created.Clear();
    }

    private async Task AdminAsync(string sql, CancellationToken cancellationToken)
    {
        // CREATE/DROP DATABASE cannot run inside the target database; the maintenance database can host them.
        var admin = new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = "postgres", Pooling = false }.ConnectionString;
        await using var connection = new NpgsqlConnection(admin);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await ReferencePipeline.ExecuteAsync(connection, sql, cancellationToken).ConfigureAwait(false);
    }
}
