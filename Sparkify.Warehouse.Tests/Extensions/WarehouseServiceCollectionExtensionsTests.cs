using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Sparkify.Warehouse.Loading;
using Sparkify.Warehouse.Migrations.Internal;
using Sparkify.Warehouse.Tests.TestUtilities;

namespace Sparkify.Warehouse.Tests.Extensions;

[Trait(TestCategory.Name, TestCategory.Fast)]
public sealed class WarehouseServiceCollectionExtensionsTests
{
    private const string Redshift = "Host=dwh.example.us-west-2.redshift.amazonaws.com;Port=5439;Database=dev;Username=awsuser;Password=S3cret-Passw0rd";

    [Fact]
    public async Task AddSparkifyWarehouse_BindsSectionSparkify_AndConfiguresContextAndLoaderForTheProvider()
    {
        using var services = Build(new()
        {
            ["Sparkify:Provider"] = "redshift",
            ["Sparkify:ConnectionString"] = Redshift,
            ["Sparkify:IamRole"] = "arn:aws:iam::123456789012:role/dwhRole",
            ["Sparkify:MaxErrors"] = "7",
            ["Sparkify:S3:ServiceUrl"] = "http://127.0.0.1:4568",
            ["Sparkify:S3:Region"] = "eu-central-1",
            ["Sparkify:S3:Anonymous"] = "true",
        });
        services.GetRequiredService<IStartupValidator>().Validate();

        var options = services.GetRequiredService<IOptions<WarehouseOptions>>().Value;
        Assert.Equal(WarehouseProvider.Redshift, options.Provider);
        Assert.Equal("arn:aws:iam::123456789012:role/dwhRole", options.IamRole);
        Assert.Equal(7, options.MaxErrors);
        Assert.Equal(("http://127.0.0.1:4568", "eu-central-1", (bool?)true), (options.S3.ServiceUrl, options.S3.Region, options.S3.Anonymous));

        await using var scope = services.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<WarehouseDbContext>();
        Assert.Equal(Redshift + ";SSL Mode=VerifyFull", context.Database.GetConnectionString());
        Assert.IsType<RedshiftHistoryRepository>(context.GetService<IHistoryRepository>());
        Assert.Contains("DISTSTYLE", context.GetService<IMigrator>().GenerateScript(), StringComparison.Ordinal);

        // The loader sees the same options: its plan is the Redshift one, with the configured role.
        var plan = scope.ServiceProvider.GetRequiredService<WarehouseLoader>().Plan(new LoadRequest
        {
            SongsSource = "s3://udacity-dend/song_data", EventsSource = "s3://udacity-dend/log_data", JsonPathsSource = "s3://udacity-dend/log_json_path.json",
        });
        Assert.Contains(plan, s => s.Contains("IAM_ROLE 'arn:aws:iam::123456789012:role/dwhRole'", StringComparison.Ordinal));
        Assert.Contains(plan, s => s.Contains("MAXERROR 7", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("postgres", WarehouseProvider.Postgres)]
    [InlineData("PostgreSQL", WarehouseProvider.Postgres)]
    [InlineData(" Redshift ", WarehouseProvider.Redshift)]
    [InlineData("", WarehouseProvider.Postgres)]
    public void Provider_IsReadLikeTheCommandLine(string value, WarehouseProvider expected)
    {
        using var services = Build(new() { ["Sparkify:Provider"] = value, ["ConnectionStrings:Warehouse"] = "Host=localhost;Database=w" });
        services.GetRequiredService<IStartupValidator>().Validate();

        Assert.Equal(expected, services.GetRequiredService<IOptions<WarehouseOptions>>().Value.Provider);
    }

    [Fact]
    public void ConnectionString_FallsBackToConnectionStringsWarehouse_ButSparkifyConnectionStringWins()
    {
        using var fallback = Build(new() { ["ConnectionStrings:Warehouse"] = "Host=fallback" });
        using var both = Build(new() { ["ConnectionStrings:Warehouse"] = "Host=fallback", ["Sparkify:ConnectionString"] = "Host=primary" });

        Assert.Equal("Host=fallback", fallback.GetRequiredService<IOptions<WarehouseOptions>>().Value.ConnectionString);
        Assert.Equal("Host=primary", both.GetRequiredService<IOptions<WarehouseOptions>>().Value.ConnectionString);
    }

    public static TheoryData<string, string?, string> InvalidSettings => new()
    {
        { "Sparkify:Provider", "oracle", "Sparkify:Provider is 'oracle'; accepted: postgres, redshift." },
        { "Sparkify:Provider", "1", "Sparkify:Provider is '1'; accepted: postgres, redshift." },
        { "Sparkify:MaxErrors", "-1", "Sparkify:MaxErrors is -1; it must be from 0 to 100000." },
        { "Sparkify:MaxErrors", "100001", "Sparkify:MaxErrors is 100001; it must be from 0 to 100000." },
        { "Sparkify:MaxErrors", "ten", "Sparkify:MaxErrors is 'ten'; it must be a whole number from 0 to 100000." },
        { "Sparkify:S3:ServiceUrl", "ftp://127.0.0.1:4568", "Sparkify:S3:ServiceUrl is not the root URL of an http:// or https:// endpoint" },
        { "Sparkify:S3:ServiceUrl", "http://admin:S3cret-Passw0rd@127.0.0.1:4568", "Sparkify:S3:ServiceUrl is not the root URL of an http:// or https:// endpoint" },
        { "Sparkify:S3:Region", "moon-1", "Sparkify:S3:Region is 'moon-1'; it must be an AWS region name such as us-west-2." },
        { "Sparkify:S3:Anonymous", "maybe", "Sparkify:S3:Anonymous is 'maybe'; it must be true or false." },
        { "Sparkify:IamRole", "dwhRole", "Sparkify:IamRole is not an IAM role ARN" },
        { "Sparkify:ConnectionString", "Host=x;Pasword=S3cret-Passw0rd", "Sparkify:ConnectionString is not a valid Npgsql connection string: it has an unknown keyword or is not a list of keyword=value pairs separated by ';'." },
        { "Sparkify:ConnectionString", "Host=x;S3cret-Passw0rd", "Sparkify:ConnectionString is not a valid Npgsql connection string: it has an unknown keyword or is not a list of keyword=value pairs separated by ';'." },
        { "Sparkify:ConnectionString", "Host=x;Port=fifty;Password=S3cret-Passw0rd", "Sparkify:ConnectionString is not a valid Npgsql connection string: the value of 'port' is not valid." },
        { "Sparkify:ConnectionString", "Host=x;Timeout=S3cret-Passw0rd", "Sparkify:ConnectionString is not a valid Npgsql connection string: the value of 'timeout' is not valid." },
        { "Sparkify:ConnectionString", null, "Sparkify:ConnectionString (or ConnectionStrings:Warehouse) is not set; Redshift needs the cluster's connection string" },
    };

    [Theory]
    [MemberData(nameof(InvalidSettings))]
    public void Validation_AtStart_ReportsOneMessageNamingTheSetting_WithoutSecrets(string key, string? value, string expected)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Sparkify:Provider"] = "redshift",
            ["Sparkify:ConnectionString"] = Redshift,
        };
        settings[key] = value;
        using var services = Build(settings);

        var failure = Assert.Single(Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate()).Failures);

        Assert.StartsWith(expected, failure, StringComparison.Ordinal);
        Assert.DoesNotContain("S3cret-Passw0rd", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Validation_RequiresAConnectionForPostgresToo()
    {
        using var services = Build([]);

        var failure = Assert.Single(Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate()).Failures);

        Assert.StartsWith("Sparkify:ConnectionString (or ConnectionStrings:Warehouse) is not set;", failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GenericHost_WithInvalidSettings_FailsToStart()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection([new("Sparkify:ConnectionString", "Host=localhost"), new("Sparkify:MaxErrors", "-5")]);
        builder.Services.AddSparkifyWarehouse(builder.Configuration);
        using var host = builder.Build();

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Equal("Sparkify:MaxErrors is -5; it must be from 0 to 100000.", Assert.Single(failure.Failures));
    }

    [Fact]
    public void ConfiguredInCode_NamesTheProperties()
    {
        var services = new ServiceCollection()
            .AddSparkifyWarehouse(o =>
            {
                o.ConnectionString = "Host=localhost";
                o.MaxErrors = -1;
            })
            .BuildServiceProvider();
        using (services)
        {
            var failure = Assert.Single(Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate()).Failures);

            Assert.Equal("WarehouseOptions.MaxErrors is -1; it must be from 0 to 100000.", failure);
        }
    }

    [Fact]
    public async Task ConfiguredInCode_PostgresContextUsesTheGivenConnection()
    {
        await using var services = new ServiceCollection()
            .AddSparkifyWarehouse(o => o.ConnectionString = "Host=localhost;Database=warehouse")
            .BuildServiceProvider();
        services.GetRequiredService<IStartupValidator>().Validate();

        await using var context = await services.GetRequiredService<IDbContextFactory<WarehouseDbContext>>().CreateDbContextAsync();

        Assert.Equal("Host=localhost;Database=warehouse", context.Database.GetConnectionString());
        Assert.IsNotType<RedshiftHistoryRepository>(context.GetService<IHistoryRepository>());
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddLogging().AddSparkifyWarehouse(configuration).BuildServiceProvider();
    }
}
