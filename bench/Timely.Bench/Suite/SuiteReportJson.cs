using System.Text.Json.Serialization;

namespace Timely.Bench.Suite;

/// <summary>
/// A saved suite run (<c>--save</c>, <c>--baseline</c>) through the source generator. NaN floors
/// (smoke runs do not calibrate) and an infinite one (no batch completed) are written as
/// "NaN"/"Infinity".
/// </summary>
[JsonSourceGenerationOptions(
    WriteIndented = true,
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(SuiteReport))]
internal sealed partial class SuiteReportJson : JsonSerializerContext;
