using System.Text.Json.Serialization;

namespace Timely.Bench.Commands;

/// <summary>
/// The JSON summary lines (<c>--json</c>) of the workloads, shm-bench and net-bench, written by
/// System.Text.Json's source generator rather than reflection, so a Native AOT or trimmed
/// <c>timely</c> writes them too. A summary is a <c>Dictionary&lt;string, object&gt;</c>; every
/// type a value can have is listed, and a value of another type fails loudly at serialization.
/// </summary>
[JsonSerializable(typeof(Dictionary<string, object>))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(ulong))]
[JsonSerializable(typeof(double))]
[JsonSerializable(typeof(ulong[]))]
internal sealed partial class SummaryJson : JsonSerializerContext;
