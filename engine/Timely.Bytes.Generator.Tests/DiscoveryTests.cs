namespace Timely.Bytes.Generator.Tests;

/// <summary>Which types get a codec: those at the call sites of crossing APIs, and those opted in.</summary>
public sealed class DiscoveryTests
{
    [Fact]
    public void A_record_exchanged_in_a_dataflow_gets_a_codec_registered_from_a_module_initializer()
    {
        var snippet = Snippet.Compile("""
            namespace Shop;
            public enum Side : byte { Buy, Sell }
            public sealed record Trade(ulong Id, string Symbol, double Price, Side Side);
            public static class Job
            {
                public static void Build(Worker worker) => worker.Dataflow<ulong>(scope =>
                {
                    var (input, stream) = scope.NewInput<ulong, Trade>();
                    stream.Exchange(t => t.Id).Probe();
                });
            }
            """);

        Assert.Empty(snippet.Diagnostics);
        Assert.Empty(snippet.CompileErrors);
        Assert.Contains("[global::System.Runtime.CompilerServices.ModuleInitializer]", snippet.Code, StringComparison.Ordinal);
        Assert.Contains("global::Timely.Bytes.WireCodec.RegisterGenerated<global::Shop.Trade>(new WireCodec0_Trade());", snippet.Code, StringComparison.Ordinal);
        Assert.Contains("file sealed class WireCodec0_Trade : global::Timely.Bytes.IWireCodec<global::Shop.Trade>", snippet.Code, StringComparison.Ordinal);
    }
}
