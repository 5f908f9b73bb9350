using Sparkify.Warehouse.Loading.Sources;
using Sparkify.Warehouse.Tests.TestUtilities;

namespace Sparkify.Warehouse.Tests.Loading.Sources;

[Trait(TestCategory.Name, TestCategory.Fast)]
public sealed class S3LocationTests
{
    [Theory]
    [InlineData("s3://udacity-dend/song_data", "udacity-dend", "song_data")]
    [InlineData("s3://udacity-dend/log_data/2018/11/", "udacity-dend", "log_data/2018/11/")]
    [InlineData("S3://udacity-dend/log_json_path.json", "udacity-dend", "log_json_path.json")]
    [InlineData("s3://udacity-dend", "udacity-dend", "")]
    [InlineData("s3://my.bucket-01/a b/(c)+d=e@f,g!h*i~j.json", "my.bucket-01", "a b/(c)+d=e@f,g!h*i~j.json")]
    [InlineData("s3://abc/é/日本.json", "abc", "é/日本.json")]
    public void Parse_ValidUri_SplitsBucketAndKey(string uri, string bucket, string key)
    {
        var location = S3Location.Parse(uri);

        Assert.Equal((bucket, key), (location.Bucket, location.Key));
        Assert.Equal($"s3://{bucket}/{key}", location.Uri);
    }

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("   ", "is empty")]
    [InlineData("udacity-dend/song_data", "must start with s3://")]
    [InlineData("s3:/udacity-dend/song_data", "must start with s3://")]
    [InlineData("s3:///song_data", "bucket name is missing")]
    [InlineData("s3://ab/x", "3 to 63 characters long (it has 2)")]
    [InlineData("s3://a234567890123456789012345678901234567890123456789012345678901234/x", "3 to 63 characters long (it has 64)")]
    [InlineData("s3://Udacity-Dend/x", "only lowercase letters, digits, dots and hyphens")]
    [InlineData("s3://udacity_dend/x", "only lowercase letters, digits, dots and hyphens")]
    [InlineData("s3://-udacity/x", "begin and end with a letter or digit")]
    [InlineData("s3://udacity./x", "begin and end with a letter or digit")]
    [InlineData("s3://udacity..dend/x", "two adjacent dots")]
    [InlineData("s3://192.168.5.4/x", "must not be an IP address")]
    [InlineData("s3://xn--bucket/x", "reserves")]
    [InlineData("s3://bucket-s3alias/x", "reserves")]
    [InlineData("s3://udacity-dend/it's", "single quote")]
    [InlineData("s3://udacity-dend/a\\b", "backslash")]
    [InlineData("s3://udacity-dend/a;b", "semicolon")]
    [InlineData("s3://udacity-dend/a\tb", "control character")]
    [InlineData("s3://udacity-dend/a\rb", "control character")]
    [InlineData("s3://udacity-dend/a\u0000b", "control character")]
    public void Parse_InvalidUri_NamesTheProblem(string uri, string problem)
    {
        var error = Assert.Throws<WarehouseException>(() => S3Location.Parse(uri, "Source"));

        Assert.StartsWith("Source ", error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
        Assert.DoesNotContain('\r', error.Message);
    }

    [Fact]
    public void Parse_LoneSurrogate_IsRefused()
    {
        // Built at run time: attribute arguments cannot carry an unpaired surrogate intact.
        var uri = "s3://udacity-dend/a" + (char)0xD800 + "b";

        var error = Assert.Throws<WarehouseException>(() => S3Location.Parse(uri));

        Assert.Contains("not valid Unicode", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_KeyOverS3sLimit_IsRefusedByUtf8Length()
    {
        // 400 three-byte characters: 400 UTF-16 chars but 1,200 UTF-8 bytes, over S3's 1,024.
        var error = Assert.Throws<WarehouseException>(() => S3Location.Parse("s3://udacity-dend/" + new string('日', 400)));

        Assert.Contains("1200 bytes long in UTF-8", error.Message, StringComparison.Ordinal);
        Assert.Equal(1024, S3Location.Parse("s3://udacity-dend/" + new string('k', 1024)).Key.Length);
    }

    [Fact]
    public void Parse_HugeInput_IsRefusedWithoutEchoingIt()
    {
        var error = Assert.Throws<WarehouseException>(() => S3Location.Parse("s3://udacity-dend/" + new string('x', 1_000_000)));

        Assert.True(error.Message.Length < 200, error.Message);
    }

    [Fact]
    public void Parse_LongInvalidValue_IsShownCutAndWithControlCharactersEscaped()
    {
        var error = Assert.Throws<WarehouseException>(() => S3Location.Parse("s3://udacity-dend/\n" + new string('x', 500), "Source"));

        Assert.Contains("'s3://udacity-dend/\\u000axxx", error.Message, StringComparison.Ordinal);
        Assert.Contains("…'", error.Message, StringComparison.Ordinal);
        Assert.True(error.Message.Length < 200, error.Message);
    }
}
