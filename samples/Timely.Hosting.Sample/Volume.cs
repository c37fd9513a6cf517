namespace Timely.Hosting.Sample;

/// <summary>The running traded volume of a symbol after a trade, computed on the worker that owns the symbol.</summary>
public sealed record Volume(string Symbol, ulong Time, long Total, int Worker);
