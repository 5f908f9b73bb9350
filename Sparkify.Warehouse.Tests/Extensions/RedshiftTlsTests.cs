using Microsoft.EntityFrameworkCore;
using Npgsql;
using Sparkify.Warehouse.Infrastructure.Internal;
using Sparkify.Warehouse.Tests.TestUtilities;

namespace Sparkify.Warehouse.Tests.Extensions;

/// <summary>Redshift connections check the server's certificate unless the connection string says otherwise.</summary>
public sealed class RedshiftTlsTests
{
    private const string Password = "Tls-Secret-9f3a";
    private const string Cluster = "Host=dwh.abc123.us-west-2.redshift.amazonaws.com;Port=5439;Database=dev;Username=awsuser;Password=" + Password;

    [Theory]
    [InlineData(Cluster)]
    [InlineData(Cluster + ";")]
    [InlineData(Cluster + "; ")]
    public void A_redshift_connection_string_without_an_ssl_mode_verifies_the_full_certificate(string connectionString)
    {
        var used = new NpgsqlConnectionStringBuilder(WarehouseConnectionString.ForProvider(connectionString, WarehouseProvider.Redshift));
        var given = new NpgsqlConnectionStringBuilder(connectionString);

        Assert.Equal(SslMode.VerifyFull, used.SslMode);
        Assert.Equal((given.Host, given.Port, given.Database, given.Username, given.Password), (used.Host, used.Port, used.Database, used.Username, used.Password));
    }

    [Theory]
    [InlineData("SSL Mode=Disable", SslMode.Disable)]
    [InlineData("SSL Mode=Require", SslMode.Require)]
    [InlineData("sslmode=require", SslMode.Require)]
    [InlineData("SslMode=VerifyCA", SslMode.VerifyCA)]
    [InlineData("ssl mode=Prefer", SslMode.Prefer)]
    public void An_ssl_mode_the_connection_string_sets_is_kept(string setting, SslMode expected)
    {
        var connectionString = Cluster + ";" + setting;

        var used = WarehouseConnectionString.ForProvider(connectionString, WarehouseProvider.Redshift);

        Assert.Equal(connectionString, used);
        Assert.Equal(expected, new NpgsqlConnectionStringBuilder(used).SslMode);
    }

    [Fact]
    public void A_postgresql_connection_string_is_left_as_it_is()
    {
        const string local = "Host=127.0.0.1;Port=5432;Database=sparkify;Username=sparkify;Password=" + Password;

        Assert.Equal(local, WarehouseConnectionString.ForProvider(local, WarehouseProvider.Postgres));
        using var context = Context(local, WarehouseProvider.Postgres);
        Assert.Equal(local, context.Database.GetConnectionString());
    }

    [Fact]
    public void A_redshift_context_connects_with_verify_full()
    {
        using var context = Context(Cluster, WarehouseProvider.Redshift);

        Assert.Equal(SslMode.VerifyFull, new NpgsqlConnectionStringBuilder(context.Database.GetConnectionString()).SslMode);
    }

    [Fact]
    public async Task A_redshift_context_refuses_a_server_without_tls_and_connects_when_the_string_disables_it()
    {
        // The test server speaks no TLS: with the certificate check on, nothing is sent in the clear.
        var connectionString = await TestPostgres.CreateDatabaseAsync("tls");
        try
        {
            // The embedded server's own strings disable SSL (it has none); as a user's Redshift string, none is named.
            var named = new NpgsqlConnectionStringBuilder(connectionString);
            named.Remove("SSL Mode");
            await using (var verifying = Context(named.ConnectionString, WarehouseProvider.Redshift))
            {
                var refused = await Assert.ThrowsAnyAsync<Exception>(() => verifying.Database.OpenConnectionAsync());
                Assert.Contains("SSL", refused.ToString(), StringComparison.OrdinalIgnoreCase);
                Assert.DoesNotContain(new NpgsqlConnectionStringBuilder(connectionString).Password!, refused.ToString(), StringComparison.Ordinal);
            }

            await using var plain = Context(named.ConnectionString + ";SSL Mode=Disable", WarehouseProvider.Redshift);
            await plain.Database.OpenConnectionAsync();
            Assert.Equal(1, await plain.Database.SqlQueryRaw<int>("SELECT 1 AS \"Value\"").SingleAsync());
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(connectionString);
        }
    }

    [Theory]
    [InlineData("Host=dwh;Password=" + Password + ";Username")]
    [InlineData("Host=dwh;Password='" + Password)]
    public void A_malformed_redshift_connection_string_is_refused_without_quoting_it(string connectionString)
    {
        var refused = Assert.Throws<WarehouseException>(() => WarehouseConnectionString.ForProvider(connectionString, WarehouseProvider.Redshift));

        Assert.DoesNotContain(Password, refused.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("dwh", refused.Message, StringComparison.Ordinal);
    }

    private static WarehouseDbContext Context(string connectionString, WarehouseProvider provider)
        => new(new DbContextOptionsBuilder<WarehouseDbContext>().UseWarehouse(connectionString, provider).Options);
}
