using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Sparkify.Warehouse.Infrastructure.Internal;
using Sparkify.Warehouse.Loading;
using Sparkify.Warehouse.Loading.Redshift;
using Sparkify.Warehouse.Tests.TestUtilities;

namespace Sparkify.Warehouse.Tests.Loading.Redshift;

/// <summary>How a load knows it targets Redshift Serverless, and what it then sends.</summary>
public sealed class RedshiftServerlessTests
{
    private const string ServerlessHost = "sparkify.123456789012.us-west-2.redshift-serverless.amazonaws.com";

    [Theory]
    [InlineData("Host=" + ServerlessHost + ";Port=5439;Database=dev", false, true)]
    [InlineData("Host=SPARKIFY.123456789012.US-WEST-2.REDSHIFT-SERVERLESS.AMAZONAWS.COM.:5439;Database=dev", false, true)]
    [InlineData("Host=standby.example.com," + ServerlessHost + ":5439;Database=dev", false, true)]
    [InlineData("Host=sparkify.abc123xyz.us-west-2.redshift.amazonaws.com;Port=5439;Database=dev", false, false)]
    [InlineData("Host=redshift-serverless.amazonaws.com.evil.example;Database=dev", false, false)]
    [InlineData("Host=127.0.0.1;Port=5439;Database=dev", true, true)]
    [InlineData(null, false, false)]
    [InlineData(null, true, true)]
    public void Serverless_is_recognised_from_the_endpoint_host_or_the_setting(string? connectionString, bool setting, bool serverless)
    {
        var options = new WarehouseOptions { Provider = WarehouseProvider.Redshift, ConnectionString = connectionString, Redshift = new RedshiftSettings { Serverless = setting } };

        Assert.Equal(serverless, RedshiftLoadPipeline.IsServerless(options));
    }

    [Fact]
    public void The_setting_is_a_boolean_and_applies_to_Redshift_only()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Sparkify:Redshift:Serverless"] = "yes" }).Build();
        var binding = Assert.Throws<OptionsValidationException>(() => WarehouseOptionsBinding.Bind(configuration, new WarehouseOptions()));
        Assert.Equal(["Sparkify:Redshift:Serverless is 'yes'; it must be true or false."], binding.Failures);

        var postgres = new WarehouseOptions { Redshift = new RedshiftSettings { Serverless = true } };
        var invalid = new WarehouseOptionsValidator(WarehouseSettingNames.Configuration, connectionRequired: false).Validate(null, postgres);
        Assert.Equal(["Sparkify:Redshift:Serverless is true, but the provider is postgres; Serverless applies to Redshift only."], invalid.Failures);
    }

    [Fact]
    public async Task A_dry_run_against_a_Serverless_endpoint_prints_the_Serverless_statements_without_connecting()
    {
        // The host cannot be reached from here: printing the plan must not try.
        var cli = await CliRunner.RunAsync("load", "--dry-run", "--provider", "redshift",
            "--connection", $"Host={ServerlessHost};Port=5439;Database=dev;Username=loader;Password=Secret-Pw-1",
            "--songs", "s3://udacity-dend/song_data/", "--events", "s3://udacity-dend/log_data/",
            "--jsonpaths", "s3://udacity-dend/log_json_path.json", "--iam-role", "arn:aws:iam::123456789012:role/dwhRole", "--s3-region", "us-west-2");

        Assert.True(cli.ExitCode == 0, cli.ToString());
        Assert.Contains("FROM sys_load_error_detail", cli.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("stl_", cli.Out, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Secret-Pw-1", cli.Out + cli.Error, StringComparison.Ordinal);
        await Sqlfluff.AssertParsesAsync(cli.Out);

        var provisioned = await CliRunner.RunAsync("load", "--dry-run", "--provider", "redshift",
            "--connection", "Host=sparkify.abc123xyz.us-west-2.redshift.amazonaws.com;Port=5439;Database=dev",
            "--songs", "s3://udacity-dend/song_data/", "--events", "s3://udacity-dend/log_data/",
            "--jsonpaths", "s3://udacity-dend/log_json_path.json", "--iam-role", "arn:aws:iam::123456789012:role/dwhRole", "--s3-region", "us-west-2");
        Assert.True(provisioned.ExitCode == 0, provisioned.ToString());
        Assert.Contains("FROM stl_load_errors", provisioned.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("sys_load_error_detail", provisioned.Out, StringComparison.Ordinal);
    }
}
