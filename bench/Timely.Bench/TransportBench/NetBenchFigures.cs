namespace Timely.Bench.TransportBench;

/// <summary>One path's figures at one message size: median round trip, stream rate, and bytes allocated per message.</summary>
internal readonly record struct NetBenchFigures(double RttMedianUs, double StreamMBps, double MessagesPerSecond, double AllocPerMessage, double AllocPerRoundTrip = 0);
