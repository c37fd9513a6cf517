namespace Timely.Hosting.Sample;

/// <summary>A trade as the feed delivers it: a user's own record type, at the logical time the feed gives it.</summary>
public sealed record Trade(string Symbol, long Quantity, ulong Time);
