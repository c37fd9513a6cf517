using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Bytes;
using Timely.Dataflow.Timestamps;

namespace Timely.PropTests.Dataflow;

/// <summary>
/// <see cref="Product{TOuter, TInner}"/> times: the product order is a partial order whose
/// lexicographic comparer is a linear extension, summaries compose as timely's do (including when
/// a coordinate overflows), and the wire layout is the two fields back to back.
/// </summary>
public sealed class ProductProperties
{
    private static readonly ITimestampTraits<Product<ulong, uint>> Traits = TimestampTraits<Product<ulong, uint>>.Default;

    // Small coordinates make ties and comparable pairs common; values near the top make overflow reachable.
    private static Gen<ulong> Outer() => Gen.OneOf(Gen.Choose(0, 4).Select(i => (ulong)i), Gen.Choose(0, 4).Select(i => ulong.MaxValue - (ulong)i));

    private static Gen<uint> Inner() => Gen.OneOf(Gen.Choose(0, 4).Select(i => (uint)i), Gen.Choose(0, 4).Select(i => uint.MaxValue - (uint)i));

    private static Arbitrary<Product<ulong, uint>> Products() =>
        Gen.Zip(Outer(), Inner()).Select(t => new Product<ulong, uint>(t.Item1, t.Item2)).ToArbitrary();

    private static Arbitrary<(Product<ulong, uint>, Product<ulong, uint>, Product<ulong, uint>)> Triples()
    {
        var p = Products().Generator;
        return Gen.Zip(p, Gen.Zip(p, p)).Select(t => (t.Item1, t.Item2.Item1, t.Item2.Item2)).ToArbitrary();
    }

    [Property(MaxTest = 500)]
    public Property Product_order_is_a_partial_order_extended_by_the_comparer()
    {
        return Prop.ForAll(Triples(), t =>
        {
            var (a, b, c) = t;
            bool reflexive = Traits.LessEqual(a, a);
            bool antisymmetric = !(Traits.LessEqual(a, b) && Traits.LessEqual(b, a)) || a == b;
            bool transitive = !(Traits.LessEqual(a, b) && Traits.LessEqual(b, c)) || Traits.LessEqual(a, c);
            bool coordinates = Traits.LessEqual(a, b) == (a.Outer <= b.Outer && a.Inner <= b.Inner);
            bool linear = !Traits.LessEqual(a, b) || a.CompareTo(b) <= 0;
            bool minimum = Traits.LessEqual(Traits.Minimum, a);
            return (reflexive && antisymmetric && transitive && coordinates && linear && minimum)
                .Label($"{a} {b} {c}: refl {reflexive} anti {antisymmetric} trans {transitive} coord {coordinates} linear {linear} min {minimum}");
        });
    }

    [Property(MaxTest = 500)]
    public Property Summaries_compose_coordinate_wise_and_fail_when_either_overflows()
    {
        return Prop.ForAll(Triples(), t =>
        {
            var (time, s1, s2) = t;

            // results_in: both coordinates add, or there is no result.
            bool fits1 = time.Outer + s1.Outer >= time.Outer && time.Inner + s1.Inner >= time.Inner;
            bool has1 = Traits.TryResultsIn(time, s1, out var r1);
            bool resultsIn = has1 == fits1 && (!has1 || (r1.Outer == time.Outer + s1.Outer && r1.Inner == time.Inner + s1.Inner));

            // identity leaves every time unchanged.
            bool identity = Traits.TryResultsIn(time, Traits.IdentitySummary, out var same) && same == time;

            // followed_by: applying s1 then s2 is applying their composition, whenever all exist.
            bool composition = true;
            if (Traits.TryFollowedBy(s1, s2, out var s12))
            {
                Product<ulong, uint> end = default;
                bool viaBoth = Traits.TryResultsIn(time, s1, out var mid) && Traits.TryResultsIn(mid, s2, out end);
                bool direct = Traits.TryResultsIn(time, s12, out var once);
                composition = viaBoth == direct && (!direct || end == once);
            }
            else
            {
                composition = s1.Outer + s2.Outer < s1.Outer || s1.Inner + s2.Inner < s1.Inner;
            }

            // a summary never moves a time backwards.
            bool advances = !has1 || Traits.LessEqual(time, r1);
            return (resultsIn && identity && composition && advances)
                .Label($"{time} {s1} {s2}: resultsIn {resultsIn} identity {identity} composition {composition} advances {advances}");
        });
    }

    [Property(MaxTest = 300)]
    public Property Wire_layout_is_outer_then_inner_and_round_trips()
    {
        return Prop.ForAll(Products(), p =>
        {
            var codec = WireCodec<Product<ulong, uint>>.Default;
            var bytes = new byte[codec.Measure(p)];
            int written = codec.Write(bytes, p);
            var expected = new byte[12];
            BitConverter.TryWriteBytes(expected.AsSpan(0, 8), p.Outer);
            BitConverter.TryWriteBytes(expected.AsSpan(8, 4), p.Inner);
            Product<ulong, uint> back = default;
            int read = codec.Read(bytes, ref back);
            return (written == 12 && read == 12 && bytes.SequenceEqual(expected) && back == p)
                .Label($"{p}: wrote {written} read {read} back {back}");
        });
    }

    [Property(MaxTest = 200)]
    public Property Nested_products_round_trip_field_by_field()
    {
        var gen = Gen.Zip(Products().Generator, Gen.Choose(0, 1000)).Select(t => new Product<Product<ulong, uint>, int>(t.Item1, t.Item2));
        return Prop.ForAll(gen.ToArbitrary(), p =>
        {
            var codec = WireCodec<Product<Product<ulong, uint>, int>>.Default;
            var bytes = new byte[codec.Measure(p)];
            codec.Write(bytes, p);
            Product<Product<ulong, uint>, int> back = default;
            codec.Read(bytes, ref back);
            return (bytes.Length == 16 && back == p && BitConverter.ToInt32(bytes, 12) == p.Inner).Label($"{p} -> {back}");
        });
    }
}
