using Npgsql;

namespace Sparkify.Warehouse.Tests.TestUtilities;

/// <summary>A dwh.cfg in the format of the Python scripts' seed: quoted S3 URIs and ARN, as they were pasted into SQL.</summary>
internal static class SeedDwhConfig
{
    public const string IamRole = "arn:aws:iam::123456789012:role/dwhRole";

    /// <summary>The file's text for <paramref name="cluster"/>; a '%' in the password is doubled, as configparser needs.</summary>
    public static string Text(NpgsqlConnectionStringBuilder cluster) => $"""
        [CLUSTER]
        HOST={cluster.Host}
        DB_NAME={cluster.Database}
        DB_USER={cluster.Username}
        DB_PASSWORD={cluster.Password?.Replace("%", "%%", StringComparison.Ordinal)}
        DB_PORT={cluster.Port}

        [IAM_ROLE]
        ARN='{IamRole}'

        [S3]
        LOG_DATA='s3://udacity-dend/log_data'
        LOG_JSONPATH='s3://udacity-dend/log_json_path.json'
        SONG_DATA='s3://udacity-dend/song_data'
        """;
}
