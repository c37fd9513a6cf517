using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Bytes;

namespace Timely.PropTests.Bytes;

/// <summary>
/// Codecs the codec generator wrote for this assembly's records (it runs on this project as on an
/// application): Measure is exact, Read(Write(x)) == x, the bytes are the fields back to back (the
/// bytes of the tuple of the same fields, bincode's layout of a Rust struct), and every strict
/// prefix of an encoding is rejected as malformed.
/// </summary>
public class GeneratedCodecProperties
{
    public enum Colour : short
    {
        Red = -1,
        Green,
        Blue = 300,
    }

    [GenerateWireCodec]
    public sealed record Quote(ulong Id, string Symbol, double Price, int Quantity);

    [GenerateWireCodec]
    public record struct Point(int X, int Y, byte Z);

    [GenerateWireCodec]
    public sealed record Basket(
        string? Owner,
        List<Quote> Quotes,
        Quote? Best,
        (int Rank, string Label) Tag,
        Colour Colour,
        long? Limit,
        byte[] Blob,
        char Mark,
        bool Open,
        float Weight,
        sbyte Small,
        short Medium,
        Point Where);

    [GenerateWireCodec]
    public sealed record Tree(int Value, List<Tree> Children, Tree? Left);

    private static readonly Gen<Quote> Quotes =
        from id in Generators.U64
        from symbol in Generators.Text
        from price in Generators.F64
        from quantity in Generators.I32
        select new Quote(id, symbol, price, quantity);

    private static readonly Gen<Point> Points =
        from x in Generators.I32
        from y in Generators.I32
        from z in ArbMap.Default.GeneratorFor<byte>()
        select new Point(x, y, z);

    private static readonly Gen<Basket> Baskets =
        from owner in Gen.OneOf(Gen.Constant<string?>(null), Generators.Text.Select(s => (string?)s))
        from quotes in Generators.ListOf(Quotes)
        from best in Gen.OneOf(Gen.Constant<Quote?>(null), Quotes.Select(q => (Quote?)q))
        from rank in Generators.I32
        from label in Generators.Text
        from colour in Gen.Elements(Colour.Red, Colour.Green, Colour.Blue)
        from limit in Gen.OneOf(Gen.Constant<long?>(null), Generators.I64.Select(l => (long?)l))
        from blob in ArbMap.Default.GeneratorFor<byte>().ArrayOf()
        from mark in Gen.Elements('a', 'é', '\u20ac', '\0')
        from open in Generators.Bool
        from weight in ArbMap.Default.GeneratorFor<float>()
        from small in ArbMap.Default.GeneratorFor<sbyte>()
        from medium in ArbMap.Default.GeneratorFor<short>()
        from place in Points
        select new Basket(owner, quotes, best, (rank, label), colour, limit, blob, mark, open, weight, small, medium, place);

    private static readonly Gen<Tree> Trees = Gen.Sized(size => TreeOf(Math.Min(size, 12)));

    private static Gen<Tree> TreeOf(int size) => size <= 1
        ? Generators.I32.Select(v => new Tree(v, [], null))
        : from value in Generators.I32
          from children in Gen.Choose(0, 3).SelectMany(n => TreeOf(size / 3).ListOf(n)).Select(c => new List<Tree>(c))
          from left in Gen.OneOf(Gen.Constant<Tree?>(null), TreeOf(size / 2).Select(t => (Tree?)t))
          select new Tree(value, children, left);

    // Measure exact and the decoded value equal to the encoded one (CodecProperties.Encode checks the first).
    private static void RoundTrip<T>(T value, Func<T, T, bool> same)
    {
        T back = CodecProperties.Decode<T>(CodecProperties.Encode(value));
        Assert.True(same(value, back), $"{value} came back as {back}");
    }

    private static bool Same(Basket a, Basket b) =>
        a.Owner == b.Owner && a.Quotes.SequenceEqual(b.Quotes) && a.Best == b.Best && a.Tag == b.Tag && a.Colour == b.Colour &&
        a.Limit == b.Limit && a.Blob.AsSpan().SequenceEqual(b.Blob) && a.Mark == b.Mark && a.Open == b.Open &&
        a.Weight.Equals(b.Weight) && a.Small == b.Small && a.Medium == b.Medium && a.Where == b.Where;

    private static bool Same(Tree a, Tree b) =>
        a.Value == b.Value && a.Children.Count == b.Children.Count && a.Children.Zip(b.Children).All(p => Same(p.First, p.Second)) &&
        (a.Left is null ? b.Left is null : b.Left is not null && Same(a.Left, b.Left));

    [Property(MaxTest = 200)]
    public Property Generated_codecs_measure_exactly_and_round_trip() =>
        Prop.ForAll(Quotes.ToArbitrary(), q => RoundTrip(q, (a, b) => a == b)).Label("flat record")
            .And(Prop.ForAll(Points.ToArbitrary(), p => RoundTrip(p, (a, b) => a == b)).Label("record struct"))
            .And(Prop.ForAll(Baskets.ToArbitrary(), b => RoundTrip(b, Same)).Label("nested, lists, arrays, tuples, enums, nullables"))
            .And(Prop.ForAll(Trees.ToArbitrary(), t => RoundTrip(t, Same)).Label("recursive through a list and an Option"));

    [Property(MaxTest = 200)]
    public Property A_record_is_written_as_the_tuple_of_its_fields() =>
        Prop.ForAll(Quotes.ToArbitrary(), q => Assert.Equal(CodecProperties.Encode((q.Id, q.Symbol, q.Price, q.Quantity)), CodecProperties.Encode(q))).Label("record")
            .And(Prop.ForAll(Points.ToArbitrary(), p =>
            {
                Assert.Equal(CodecProperties.Encode((p.X, p.Y, p.Z)), CodecProperties.Encode(p));   // 9 bytes: no padding, unlike the struct's memory
                Assert.Equal(9, CodecProperties.Encode(p).Length);
            }).Label("record struct"));

    [Property(MaxTest = 100)]
    public Property Every_strict_prefix_of_a_generated_encoding_is_rejected() =>
        Prop.ForAll(Baskets.ToArbitrary(), CodecProperties.PrefixesThrow).Label("basket")
            .And(Prop.ForAll(Trees.ToArbitrary(), CodecProperties.PrefixesThrow).Label("tree"));
}
