using Npgsql;
using Sparkify.Warehouse.Cli;
using Sparkify.Warehouse.Cli.Configuration;
using Sparkify.Warehouse.Tests.TestUtilities;

namespace Sparkify.Warehouse.Tests.Cli;

public sealed class DwhConfigFileTests
{
    [Fact]
    public void Read_SeedFormat_MapsClusterRoleAndS3ToConfigurationKeys()
    {
        var seed = new NpgsqlConnectionStringBuilder { Host = "dwhcluster.abc123.us-west-2.redshift.amazonaws.com", Port = 5439, Database = "dwh", Username = "dwhuser", Password = "Passw0rd" };

        var keys = DwhConfigFile.Map(DwhConfigFile.Parse(SeedDwhConfig.Text(seed), "dwh.cfg"), "dwh.cfg");

        Assert.Equal("redshift", keys["Sparkify:Provider"]);
        Assert.Equal("arn:aws:iam::123456789012:role/dwhRole", keys["Sparkify:IamRole"]);
        Assert.Equal("s3://udacity-dend/song_data", keys["Sparkify:Load:Songs"]);
        Assert.Equal("s3://udacity-dend/log_data", keys["Sparkify:Load:Events"]);
        Assert.Equal("s3://udacity-dend/log_json_path.json", keys["Sparkify:Load:JsonPaths"]);
        var connection = new NpgsqlConnectionStringBuilder(keys["Sparkify:ConnectionString"]);
        Assert.Equal(("dwhcluster.abc123.us-west-2.redshift.amazonaws.com", 5439, "dwh", "dwhuser", "Passw0rd"),
            (connection.Host, connection.Port, connection.Database, connection.Username, connection.Password));
    }

    [Fact]
    public void Parse_ReadsIniAsConfigparserDoes_CommentsQuotesCaseSeparatorsAndPercent()
    {
        var sections = DwhConfigFile.Parse(
            "\uFEFF# the cluster\r\n"
            + "[cluster]\r\n"
            + "  host = \"dwh.example.com\"  \r\n"
            + "; a comment\r\n"
            + "Db_Name: dev\r\n"
            + "DB_USER=a=b:c\r\n"
            + "DB_PASSWORD=100%%#not-a-comment;nor-this\r\n"
            + "DB_PORT=\r\n"
            + "\r\n"
            + "[ Cluster ]\r\n"
            + "EXTRA='it''s'\r\n",
            "dwh.cfg");

        var cluster = Assert.Single(sections).Value;
        Assert.Equal("dwh.example.com", cluster["HOST"]);
        Assert.Equal("dev", cluster["DB_NAME"]);
        Assert.Equal("a=b:c", cluster["DB_USER"]);
        Assert.Equal("100%#not-a-comment;nor-this", cluster["DB_PASSWORD"]);
        Assert.Equal("", cluster["DB_PORT"]);
        Assert.Equal("it''s", cluster["EXTRA"]);

        // An empty port means the Redshift default.
        var connection = new NpgsqlConnectionStringBuilder(DwhConfigFile.Map(sections, "dwh.cfg")["Sparkify:ConnectionString"]);
        Assert.Equal((DwhConfigFile.DefaultRedshiftPort, "100%#not-a-comment;nor-this"), (connection.Port, connection.Password));
    }

    [Fact]
    public void Map_EmptyClusterAndOtherSections_SetNothingButTheProvider()
    {
        var keys = DwhConfigFile.Map(DwhConfigFile.Parse("""
            [CLUSTER]
            HOST=''
            DB_PASSWORD=
            [AWS]
            KEY=AKIAEXAMPLE
            SECRET=wJalrXUtnFEMI
            [IAM_ROLE]
            ARN=
            """, "dwh.cfg"), "dwh.cfg");

        Assert.Equal(["Sparkify:Provider"], keys.Keys);
    }

    [Theory]
    [InlineData("HOST=x\n", "line 1: a KEY=value line comes before any [SECTION] header.")]
    [InlineData("[CLUSTER]\nHOST x\n", "line 2: expected KEY=value, [SECTION] or a # comment.")]
    [InlineData("[CLUSTER\n", "line 1: a section header must look like [CLUSTER].")]
    [InlineData("[CLUSTER]\nDB_PASSWORD=S3cret-1\ndb_password=S3cret-2\n", "line 3: DB_PASSWORD is set twice in [CLUSTER].")]
    [InlineData("[CLUSTER]\nHOST=h\nDB_USER=u\nDB_PASSWORD=S3cret-1\n", "[CLUSTER] DB_NAME is missing or empty.")]
    [InlineData("[CLUSTER]\nHOST=h\nDB_NAME=d\nDB_USER=u\nDB_PASSWORD=S3cret-1\nDB_PORT=5439 # redshift\n", "[CLUSTER] DB_PORT is not a port number (1 to 65535).")]
    public void Read_MalformedFile_NamesTheLineOrKey_NeverAValue(string text, string expected)
    {
        var error = Assert.Throws<UsageException>(() => DwhConfigFile.Map(DwhConfigFile.Parse(text, "dwh.cfg"), "dwh.cfg"));

        Assert.EndsWith(expected, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("--config dwh.cfg", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("S3cret", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_MissingFile_IsAUsageError()
    {
        var path = Path.Combine(Path.GetTempPath(), $"sparkify-missing-{Guid.NewGuid():N}", "dwh.cfg");

        var error = Assert.Throws<UsageException>(() => DwhConfigFile.Read(path));

        Assert.Equal($"--config {path}: cannot read the file (not found).", error.Message);
    }
}
