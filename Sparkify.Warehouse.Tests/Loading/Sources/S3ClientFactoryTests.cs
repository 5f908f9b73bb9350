using Amazon;
using Amazon.Runtime;
using Sparkify.Warehouse.Loading;
using Sparkify.Warehouse.Loading.Sources;
using Sparkify.Warehouse.Tests.TestUtilities;

namespace Sparkify.Warehouse.Tests.Loading.Sources;

[Trait(TestCategory.Name, TestCategory.Fast)]
public sealed class S3ClientFactoryTests
{
    [Fact]
    public void CreateConfig_ServiceUrl_UsesPathStyleAndSignsForTheRegion()
    {
        var config = S3ClientFactory.CreateConfig(new S3Settings { ServiceUrl = "http://127.0.0.1:4568", Region = "eu-central-1" });

        Assert.True(config.ForcePathStyle);
        Assert.Equal("http://127.0.0.1:4568/", config.ServiceURL);
        Assert.Equal("eu-central-1", config.AuthenticationRegion);
    }

    [Fact]
    public void CreateConfig_AmazonS3_UsesTheRegionEndpointAndDefaultsToUsWest2()
    {
        var defaulted = S3ClientFactory.CreateConfig(new S3Settings());
        var explicitRegion = S3ClientFactory.CreateConfig(new S3Settings { Region = "eu-west-1" });

        Assert.Equal(RegionEndpoint.USWest2, defaulted.RegionEndpoint);
        Assert.Equal(RegionEndpoint.EUWest1, explicitRegion.RegionEndpoint);
        Assert.False(defaulted.ForcePathStyle);
        Assert.Null(defaulted.ServiceURL);
    }

    [Fact]
    public void CreateConfig_Always_BoundsRetriesAndTimeAndOnlyUsesRequiredChecksums()
    {
        var config = S3ClientFactory.CreateConfig(new S3Settings { ServiceUrl = "http://localhost:9000" });

        Assert.Equal(4, config.MaxErrorRetry);
        Assert.Equal(TimeSpan.FromMinutes(2), config.Timeout);
        Assert.Equal(RequestChecksumCalculation.WHEN_REQUIRED, config.RequestChecksumCalculation);
        Assert.Equal(ResponseChecksumValidation.WHEN_REQUIRED, config.ResponseChecksumValidation);
    }

    [Theory]
    [InlineData("not a url")]
    [InlineData("ftp://127.0.0.1/")]
    [InlineData("/relative")]
    [InlineData("http://admin:secret@127.0.0.1:9000")]
    public void CreateConfig_InvalidServiceUrl_IsRefusedWithoutEchoingIt(string serviceUrl)
    {
        var error = Assert.Throws<WarehouseException>(() => S3ClientFactory.CreateConfig(new S3Settings { ServiceUrl = serviceUrl }));

        Assert.Contains("ServiceUrl", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(serviceUrl, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("US-WEST-2")]
    [InlineData("us-west-2\n")]
    [InlineData("uswest2")]
    [InlineData("us-west-2'")]
    public void CreateConfig_InvalidRegion_IsRefused(string region)
    {
        var error = Assert.Throws<WarehouseException>(() => S3ClientFactory.CreateConfig(new S3Settings { Region = region }));

        Assert.StartsWith("S3 setting Region ", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "udacity-dend", true)]
    [InlineData(null, "my-private-bucket", false)]
    [InlineData(true, "my-private-bucket", true)]
    [InlineData(false, "udacity-dend", false)]
    public void IsAnonymous_FollowsTheSettingOrTheBucketWhenUnset(bool? anonymous, string bucket, bool expected)
        => Assert.Equal(expected, S3ClientFactory.IsAnonymous(new S3Settings { Anonymous = anonymous }, bucket));
}
