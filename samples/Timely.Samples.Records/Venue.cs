namespace Timely.Samples.Records;

/// <summary>Where a trade was made: a nested record, with a nullable value member (an Option).</summary>
public sealed record Venue(string Name, int? Lane);
