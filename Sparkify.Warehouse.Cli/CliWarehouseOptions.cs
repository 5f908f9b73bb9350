using Microsoft.Extensions.Configuration;
using Sparkify.Warehouse.Loading;

namespace Sparkify.Warehouse.Cli;

/// <summary>Builds <see cref="WarehouseOptions"/> from configuration (section <c>Sparkify</c>) and the command line's overrides.</summary>
internal static class CliWarehouseOptions
{
    public static WarehouseOptions FromConfiguration(CliContext cli, WarehouseProvider provider, string? iamRole = null, string? s3Endpoint = null, string? s3Region = null)
    {
        var options = new WarehouseOptions();
        cli.Configuration.GetSection(WarehouseOptions.SectionName).Bind(options);
        options.Provider = provider;
        options.IamRole = iamRole ?? options.IamRole;
        options.S3 = new S3Settings
        {
            ServiceUrl = s3Endpoint ?? options.S3.ServiceUrl,
            Region = s3Region ?? options.S3.Region,
            Anonymous = options.S3.Anonymous,
        };
        return options;
    }
}
