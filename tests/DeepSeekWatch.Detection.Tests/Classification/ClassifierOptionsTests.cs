using DeepSeekWatch.Detection.Classification;

namespace DeepSeekWatch.Detection.Tests.Classification;

public sealed class ClassifierOptionsTests
{
    [Fact]
    public void The_built_in_lexicon_is_valid()
    {
        Assert.Empty(ClassifierOptions.Default.Validate());
    }

    [Fact]
    public void Default_returns_a_fresh_copy_each_time()
    {
        var a = ClassifierOptions.Default;
        a.Terms.Clear();
        Assert.NotEmpty(ClassifierOptions.Default.Terms);
    }

    [Fact]
    public void A_new_instance_has_empty_lists_is_valid_and_uses_the_built_in_lexicon()
    {
        var options = new ClassifierOptions();
        Assert.Empty(options.Terms);
        Assert.Empty(options.Symbols);
        Assert.Empty(options.Validate());
        var c = new LexiconHeadlineClassifier(options).Classify("DeepSeek rattles Nvidia", null, []);
        Assert.True(c.IsAi);
        Assert.Equal(["NVDA"], c.Symbols);
    }

    [Fact]
    public void Without_the_built_in_lexicon_an_empty_instance_recognises_nothing()
    {
        var options = new ClassifierOptions { UseBuiltInLexicon = false };
        var c = new LexiconHeadlineClassifier(options).Classify("DeepSeek AI chips rattle Nvidia", null, []);
        Assert.False(c.IsAi);
        Assert.Empty(c.MatchedTerms);
        Assert.Empty(c.Symbols);
    }

    [Fact]
    public void Configured_entries_extend_the_built_in_lexicon_and_override_terms_of_the_same_name()
    {
        var options = new ClassifierOptions
        {
            Terms =
            [
                new LexiconTerm { Term = "quantum chip", Weight = 1.5, Variants = ["qubit*"] },
                new LexiconTerm { Term = "DEEPSEEK", Weight = 0.2 },
                new LexiconTerm { Term = "Stargate", Weight = 1, Enabled = false },
            ],
            Symbols = new() { ["NVDA"] = new SymbolAliases { Aliases = ["Team Green"] } },
        };
        var classifier = new LexiconHeadlineClassifier(options);

        Assert.True(classifier.Classify("Startup doubles its qubits", null, []).IsAi);
        Assert.Equal(0.2, classifier.Classify("DeepSeek news", null, []).Score);
        Assert.Empty(classifier.Classify("Stargate", null, []).MatchedTerms);
        Assert.True(classifier.Classify("AI chips in demand", null, []).IsAi);
        Assert.Equal(["NVDA"], classifier.Classify("Team Green", null, []).Symbols);
        Assert.Equal(["NVDA"], classifier.Classify("Nvidia", null, []).Symbols);
    }

    public static TheoryData<Action<ClassifierOptions>, string> Problems => new()
    {
        { o => o.Terms[3].Weight = double.NaN, "Detection:Classifier:Terms:3:Weight must be finite" },
        { o => o.Terms[0].Weight = double.PositiveInfinity, "Detection:Classifier:Terms:0:Weight must be finite" },
        { o => o.Terms[2].Weight = -1, "Detection:Classifier:Terms:2:Weight must be greater than 0" },
        { o => o.ContextTerms[1].Weight = 0, "Detection:Classifier:ContextTerms:1:Weight must be greater than 0" },
        { o => o.NegatingContexts[0].Weight = 0.5, "Detection:Classifier:NegatingContexts:0:Weight must be less than 0" },
        { o => o.Terms[1].Term = " ", "Detection:Classifier:Terms:1:Term must not be empty" },
        { o => o.Terms[4].Variants.Add("--"), "Detection:Classifier:Terms:4:Variants:" },
        { o => o.Terms[0].Variants.Add("a b c d e f g h i"), "has more than 8 words" },
        { o => o.Terms[0].Variants.Add("ch*"), "a prefix (word*) needs at least 3 characters" },
        { o => o.Terms[0].Groups.Add(""), "Detection:Classifier:Terms:0:Groups:" },
        { o => o.Terms[0] = null!, "Detection:Classifier:Terms:0 must not be null" },
        { o => o.Terms = null!, "Detection:Classifier:Terms must not be null" },
        { o => o.Threshold = 0, "Detection:Classifier:Threshold must be a finite number greater than 0" },
        { o => o.Threshold = double.NaN, "Detection:Classifier:Threshold must be a finite number greater than 0" },
        { o => o.ContextCap = -0.1, "Detection:Classifier:ContextCap must be a finite number of at least 0" },
        { o => o.MaxInputChars = 10, "Detection:Classifier:MaxInputChars must be between 100 and 1000000" },
        { o => o.Symbols["NOT A SYMBOL"] = new SymbolAliases { Aliases = ["x"] }, "Detection:Classifier:Symbols:NOT A SYMBOL is not a valid symbol" },
        { o => o.Symbols["XYZ"] = new SymbolAliases(), "Detection:Classifier:Symbols:XYZ has no aliases" },
        { o => o.Terms.Insert(0, new LexiconTerm { Term = "x", Weight = double.NaN }), "Detection:Classifier:Terms:0:Weight must be finite" },
        { o => o.Symbols["NVDA"].Aliases.Add(""), "Detection:Classifier:Symbols:NVDA:Aliases:" },
        { o => o.Symbols["META"].Exclusions = null!, "Detection:Classifier:Symbols:META:Exclusions must not be null" },
    };

    [Theory]
    [MemberData(nameof(Problems))]
    public void Validation_names_the_configuration_key_of_each_problem(Action<ClassifierOptions> breakIt, string expected)
    {
        var options = ClassifierOptions.Default;
        breakIt(options);
        var errors = options.Validate();
        Assert.Contains(errors, e => e.Contains(expected, StringComparison.Ordinal));

        var ex = Assert.Throws<ArgumentException>(() => new LexiconHeadlineClassifier(options));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validation_reports_every_problem_not_just_the_first()
    {
        var options = ClassifierOptions.Default;
        options.Threshold = -1;
        options.Terms[0].Weight = double.NaN;
        options.NegatingContexts[0].Weight = 1;
        Assert.Equal(3, options.Validate().Count);
    }

    [Fact]
    public void Errors_in_configured_entries_name_their_own_index_when_the_built_in_lexicon_is_underneath()
    {
        var options = new ClassifierOptions
        {
            Terms =
            [
                new LexiconTerm { Term = "fine", Weight = 1 },
                new LexiconTerm { Term = "broken", Weight = double.NaN },
            ],
        };
        Assert.Equal(["Detection:Classifier:Terms:1:Weight must be finite (was NaN)"], options.Validate());
    }

    [Fact]
    public void A_switched_off_term_needs_only_its_name()
    {
        var options = new ClassifierOptions { Terms = [new LexiconTerm { Term = "Stargate", Enabled = false }] };
        Assert.Empty(options.Validate());
        Assert.Empty(new LexiconHeadlineClassifier(options).Classify("Stargate", null, []).MatchedTerms);

        options.Terms.Add(new LexiconTerm { Term = " ", Enabled = false });
        Assert.Equal(["Detection:Classifier:Terms:1:Term must not be empty"], options.Validate());
    }
}
