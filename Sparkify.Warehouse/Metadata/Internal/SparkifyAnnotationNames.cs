namespace Sparkify.Warehouse.Metadata.Internal;

/// <summary>Names of the model annotations that carry Redshift table settings.</summary>
internal static class SparkifyAnnotationNames
{
    public const string Prefix = "Sparkify:";
    public const string DistStyle = Prefix + "DistStyle";
    public const string DistKey = Prefix + "DistKey";
    public const string SortKey = Prefix + "SortKey";
}
