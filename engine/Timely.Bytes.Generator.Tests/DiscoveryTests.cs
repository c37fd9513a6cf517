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

    [Theory]
    [InlineData("stream.Broadcast()")]
    [InlineData("stream.Exchange(new ByHash())")]
    [InlineData("stream.Unary<ulong, Trade, Trade>(Pact<Trade>.Exchange(t => t.Id), \"Op\", (i, o) => { })")]
    [InlineData("stream.CaptureInto(System.IO.Stream.Null)")]
    [InlineData("new EventReader<ulong, Trade>(System.IO.Stream.Null)")]
    [InlineData("new Timely.Dataflow.Synchronization.Sequencer<Trade>(worker)")]
    [InlineData("worker.Allocator.Allocate<Trade>(7)")]
    [InlineData("worker.Allocator.Broadcast<Trade>(7)")]
    public void Every_crossing_API_hands_its_type_argument_to_the_generator(string call)
    {
        var snippet = Snippet.Compile($$"""
            using Timely.Dataflow.Operators.Generic;
            public sealed record Trade(ulong Id, string Symbol);
            public struct ByHash : IExchangeHash<Trade> { public ulong Hash(Trade t) => t.Id; }
            public static class Job
            {
                public static void Build(Worker worker) => worker.Dataflow<ulong>(scope =>
                {
                    var (input, stream) = scope.NewInput<ulong, Trade>();
                    _ = {{call}};
                });
            }
            """);

        Assert.Empty(snippet.Diagnostics);
        Assert.Empty(snippet.CompileErrors);
        Assert.Contains("RegisterGenerated<global::Trade>", snippet.Code, StringComparison.Ordinal);
    }

    [Fact]
    public void A_stream_that_stays_on_its_worker_gets_no_codec()
    {
        var snippet = Snippet.Compile("""
            public sealed record Local(Action Callback);
            public static class Job
            {
                public static void Build(Worker worker) => worker.Dataflow<ulong>(scope =>
                {
                    var (input, stream) = scope.NewInput<ulong, Local>();
                    stream.Map(l => l).Inspect(l => l.Callback()).Probe();
                });
            }
            """);

        Assert.Empty(snippet.Diagnostics);   // a delegate member is fine where nothing is encoded
        Assert.Null(snippet.Generated);
    }

    [Fact]
    public void Tuples_lists_arrays_and_nullables_are_prepared_so_user_code_calls_no_Prepare()
    {
        var snippet = Snippet.Compile("""
            public static class Job
            {
                public static void Build(Worker worker) => worker.Dataflow<ulong>(scope =>
                {
                    var (input, stream) = scope.NewInput<ulong, (string Word, long Count)>();
                    stream.Exchange(p => (ulong)p.Count).Probe();
                    var (i2, s2) = scope.NewInput<ulong, (List<int[]>, double?)>();
                    s2.Broadcast().Probe();
                });
            }
            """);

        Assert.Empty(snippet.Diagnostics);
        Assert.Contains("WireCodec.PrepareTuple<string, long>();", snippet.Code, StringComparison.Ordinal);
        Assert.Contains("WireCodec.PrepareTuple<global::System.Collections.Generic.List<int[]>, double?>();", snippet.Code, StringComparison.Ordinal);
        Assert.Contains("WireCodec.PrepareList<int[]>();", snippet.Code, StringComparison.Ordinal);
        Assert.Contains("WireCodec.PrepareArray<int>();", snippet.Code, StringComparison.Ordinal);
        Assert.Contains("WireCodec.PrepareNullable<double>();", snippet.Code, StringComparison.Ordinal);
        Assert.DoesNotContain("RegisterGenerated", snippet.Code, StringComparison.Ordinal);
    }

    [Fact]
    public void A_marked_generic_helper_carries_its_callers_type_arguments_into_the_types_it_builds()
    {
        var snippet = Snippet.Compile("""
            public sealed record Pair<TKey, TValue>(TKey Key, TValue Value);
            public sealed record Order(ulong Id, string Note);
            public static class Helpers
            {
                public static Stream<ulong, (TKey, long)> CountBy<[WireEncoded] TKey>(Stream<ulong, TKey> s, Func<TKey, ulong> hash) =>
                    s.Map(k => (k, 1L)).Exchange(p => hash(p.Item1));

                public static Stream<ulong, Pair<TKey, TValue>> Pairs<[WireEncoded] TKey, [WireEncoded] TValue>(Stream<ulong, Pair<TKey, TValue>> s) =>
                    s.Exchange(p => 0UL);
            }

            public static class Job
            {
                public static void Build(Worker worker) => worker.Dataflow<ulong>(scope =>
                {
                    var (i1, words) = scope.NewInput<ulong, string>();
                    Helpers.CountBy(words, w => (ulong)w.Length).Probe();
                    var (i2, pairs) = scope.NewInput<ulong, Pair<int, Order>>();
                    Helpers.Pairs(pairs).Probe();
                });
            }
            """);

        Assert.Empty(snippet.Diagnostics);
        Assert.Contains("WireCodec.PrepareTuple<string, long>();", snippet.Code, StringComparison.Ordinal);
        Assert.Contains("RegisterGenerated<global::Pair<int, global::Order>>(new WireCodec", snippet.Code, StringComparison.Ordinal);
        Assert.Contains("RegisterGenerated<global::Order>", snippet.Code, StringComparison.Ordinal);
        Assert.Contains("_Pair<TKey, TValue> : global::Timely.Bytes.IWireCodec<global::Pair<TKey, TValue>>", snippet.Code, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unmarked_generic_helper_is_a_warning_at_its_call_of_the_crossing_API()
    {
        var snippet = Snippet.Compile("""
            public static class Helpers
            {
                public static Stream<ulong, TKey> Spread<TKey>(Stream<ulong, TKey> s) =>
                    s.Exchange(k => 0UL);
            }
            """);

        Assert.Equal(["4: TKey reaches StreamOperators.Exchange, which encodes it, but TKey is not marked [WireEncoded]: mark it so that its callers' type arguments get their codecs"], snippet.Reported("TIMELY006"));
    }

    [Fact]
    public void A_hand_registered_type_that_could_be_encoded_still_gets_its_generated_codec_which_the_hand_one_overrides()
    {
        var snippet = Snippet.Compile("""
            public sealed record Plain(ulong Id, string Name);
            public static class Job
            {
                public static void Build(Worker worker, IWireCodec<Plain> codec, bool byHand)
                {
                    if (byHand)
                    {
                        WireCodec.Register(codec);
                    }

                    worker.Dataflow<ulong>(scope => scope.NewInput<ulong, Plain>().Item2.Exchange(p => p.Id).Probe());
                }
            }
            """);

        Assert.Empty(snippet.Diagnostics);
        Assert.Contains("RegisterGenerated<global::Plain>", snippet.Code, StringComparison.Ordinal);
    }

    [Fact]
    public void A_hand_registered_type_that_cannot_be_encoded_gets_no_codec_and_no_diagnostic()
    {
        var snippet = Snippet.Compile("""
            public sealed class Opaque { public object State = new(); }
            public static class Job
            {
                public static void Build(Worker worker, IWireCodec<Opaque> codec)
                {
                    WireCodec.Register(codec);
                    worker.Dataflow<ulong>(scope => scope.NewInput<ulong, Opaque>().Item2.Exchange(o => 0UL).Probe());
                }
            }
            """);

        Assert.Empty(snippet.Diagnostics);
        Assert.Null(snippet.Generated);
    }

    [Fact]
    public void The_engines_own_types_with_codecs_written_by_hand_need_none_and_report_nothing()
    {
        var snippet = Snippet.Compile("""
            public static class Job
            {
                public static void Replay(System.IO.Stream stream)
                {
                    _ = new EventReader<ulong, Timely.Dataflow.Logging.LogRecord>(stream);
                    _ = new EventReader<Timely.Dataflow.Timestamps.Product<ulong, uint>, string>(stream);
                }
            }
            """);

        Assert.Empty(snippet.Diagnostics);
        Assert.DoesNotContain("LogRecord", snippet.Generated ?? "", StringComparison.Ordinal);
        Assert.DoesNotContain("Product", snippet.Generated ?? "", StringComparison.Ordinal);
        Assert.Empty(snippet.CompileErrors);
    }

    [Fact]
    public void An_opted_in_type_gets_a_codec_with_no_crossing_call()
    {
        var snippet = Snippet.Compile("""
            [GenerateWireCodec]
            public struct Point { public int X; public int Y; }
            """);

        Assert.Empty(snippet.Diagnostics);
        Assert.Contains("RegisterGenerated<global::Point>", snippet.Code, StringComparison.Ordinal);
        Assert.Contains("value = new global::Point() { X = m0, Y = m1 };", snippet.Code, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tuple_of_five_to_seven_gets_a_generated_codec_and_a_longer_one_is_refused()
    {
        var snippet = Snippet.Compile("""
            public static class Job
            {
                public static void Build(Worker worker) => worker.Dataflow<ulong>(scope =>
                {
                    scope.NewInput<ulong, (int, long, string, bool, double)>().Item2.Exchange(t => 0UL).Probe();
                    scope.NewInput<ulong, (int, int, int, int, int, int, int, int)>().Item2.Exchange(t => 0UL).Probe();
                });
            }
            """);

        Assert.Contains("RegisterGenerated<(int, long, string, bool, double)>(new WireCodec0_ValueTuple<int, long, string, bool, double>());", snippet.Code, StringComparison.Ordinal);
        Assert.Equal(["6: (int, int, int, int, int, int, int, int) cannot be encoded for workers or files: tuples of more than 7 elements are not built in; use a record"], snippet.Reported("TIMELY001"));
    }
}
