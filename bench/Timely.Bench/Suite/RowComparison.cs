namespace Timely.Bench.Suite;

/// <summary>One row compared: median ratio current / baseline (above 1 is slower), its noise band, the verdict.</summary>
public sealed record RowComparison(string Id, double Ratio, double BandLow, double BandHigh, Verdict Verdict, string? Note);
