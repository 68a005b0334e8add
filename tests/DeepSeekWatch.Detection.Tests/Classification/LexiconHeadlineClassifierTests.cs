using DeepSeekWatch.Detection.Classification;

namespace DeepSeekWatch.Detection.Tests.Classification;

public sealed class LexiconHeadlineClassifierTests
{
    private static readonly LexiconHeadlineClassifier Classifier = new(ClassifierOptions.Default);

    private static HeadlineClassification Classify(string title, string? summary = null, params string[] tickers) =>
        Classifier.Classify(title, summary, tickers);

    [Theory]
    [InlineData("Nvidia unveils new AI chips", "NVDA")]
    [InlineData("Google raises AI capex forecast", "GOOGL")]
    [InlineData("Alphabet raises AI capex forecast", "GOOGL")]
    [InlineData("TSMC profit jumps on AI demand", "TSM")]
    [InlineData("Taiwan Semiconductor profit jumps on AI demand", "TSM")]
    [InlineData("Facebook parent boosts AI spending", "META")]
    [InlineData("AWS expands AI data centers", "AMZN")]
    [InlineData("Azure growth slows despite AI spending", "MSFT")]
    [InlineData("Broadcom custom AI chip revenue soars", "AVGO")]
    [InlineData("Micron sells out of high-bandwidth memory", "MU")]
    public void Aliases_link_company_names_to_their_symbol(string title, string symbol)
    {
        var c = Classify(title);
        Assert.Equal([symbol], c.Symbols);
        Assert.True(c.IsAi);
    }

    [Theory]
    [InlineData("英伟达股价暴跌", "NVDA")]
    [InlineData("Nvidia-Aktie bricht ein", "NVDA")]
    [InlineData("エヌビディア株が急落", "NVDA")]
    [InlineData("台积电利润大增", "TSM")]
    [InlineData("微软计划建设数据中心", "MSFT")]
    [InlineData("엔비디아 주가 급락", "NVDA")]
    public void Aliases_in_other_languages_link_inside_unspaced_and_compound_text(string title, string symbol)
    {
        Assert.Contains(symbol, Classify(title).Symbols);
    }

    [Theory]
    [InlineData("DeepSeek冲击美股 英伟达市值蒸发", "DeepSeek")]
    [InlineData("美国收紧对华AI芯片出口管制", "AI chips")]
    [InlineData("Exportkontrollen für KI-Chips verschärft", "AI chips")]
    [InlineData("ディープシーク・ショックで半導体株が急落", "DeepSeek")]
    [InlineData("La bulle de l'IA inquiète Wall Street", "AI stocks")]
    public void Non_english_ai_headlines_are_recognised(string title, string term)
    {
        var c = Classify(title);
        Assert.True(c.IsAi, $"score {c.Score} [{string.Join(", ", c.MatchedTerms)}]");
        Assert.Contains(term, c.MatchedTerms);
    }

    [Fact]
    public void Several_companies_in_one_headline_give_sorted_symbols()
    {
        var c = Classify("Nvidia, Broadcom and TSMC sink as DeepSeek rattles Microsoft and Meta");
        Assert.Equal(["AVGO", "META", "MSFT", "NVDA", "TSM"], c.Symbols);
    }

    [Fact]
    public void Meta_the_company_links_but_meta_the_word_does_not()
    {
        Assert.Equal(["META"], Classify("Meta boosts AI spending").Symbols);
        Assert.Empty(Classify("The meta of AI benchmarks is changing").Symbols);
        Assert.Empty(Classify("New Meta-Analysis Questions Coffee Benefits").Symbols);
        Assert.Empty(Classify("New meta-analysis questions coffee benefits").Symbols);
    }

    [Theory]
    [InlineData("Apple orchards hit by frost")]
    [InlineData("apple prices rise at farmers markets")]
    [InlineData("Military intel says attacks rising")]
    [InlineData("Amazon rainforest deforestation falls")]
    [InlineData("Arm wrestling final draws crowds")]
    [InlineData("Mu-metal shielding demand rises")]
    [InlineData("高通胀压力下美联储维持利率不变")]
    [InlineData("亚马逊雨林砍伐面积下降")]
    public void Ordinary_words_that_are_company_names_do_not_link(string title)
    {
        Assert.Empty(Classify(title).Symbols);
    }

    [Fact]
    public void R1_does_not_match_inside_R100_and_AI_does_not_match_inside_said()
    {
        var r100 = Classify("DeepSeek R100 rumours");
        Assert.DoesNotContain("R1", r100.MatchedTerms);
        Assert.Contains("R1", Classify("DeepSeek R1 rumours").MatchedTerms);

        var said = Classify("Company said chips demand was strong");
        Assert.False(said.IsAi);
        Assert.DoesNotContain("AI", said.MatchedTerms);
        Assert.Contains("AI", Classify("Company says AI will lift demand").MatchedTerms);
    }

    [Fact]
    public void Case_does_not_matter_for_ordinary_terms()
    {
        var lower = Classify("nvidia shares sink as deepseek fears spread");
        var upper = Classify("NVIDIA SHARES SINK AS DEEPSEEK FEARS SPREAD");
        Assert.Equal(lower.MatchedTerms, upper.MatchedTerms);
        Assert.Equal(lower.Symbols, upper.Symbols);
        Assert.Equal(lower.Score, upper.Score);
        Assert.True(upper.IsAi);
    }

    [Fact]
    public void Html_entities_and_tags_are_decoded_and_stripped()
    {
        var plain = Classify("Nvidia's H20 & AI chips: DeepSeek rattles chip stocks");
        var html = Classify("<p><b>Nvidia&#8217;s</b> H20 &amp; AI&nbsp;chips:&#x20;<a href=\"x\">DeepSeek</a> rattles chip stocks</p>");
        var doubleEncoded = Classify("&lt;b&gt;Nvidia&amp;#8217;s&lt;/b&gt; H20 &amp;amp; AI chips: DeepSeek rattles chip stocks");
        Assert.Equal(plain.MatchedTerms, html.MatchedTerms);
        Assert.Equal(plain.Symbols, html.Symbols);
        Assert.Equal(plain.MatchedTerms, doubleEncoded.MatchedTerms);
        Assert.Equal(plain.Score, doubleEncoded.Score);
    }

    [Fact]
    public void A_tag_between_two_words_keeps_them_apart_and_a_lone_angle_bracket_is_text()
    {
        Assert.Contains("AI chips", Classify("AI<br>chips 5 < 10 demand").MatchedTerms);
        Assert.Contains("NVDA", Classify("Revenue < estimates at Nvidia as AI demand cools").Symbols);
    }

    [Fact]
    public void Full_width_halfwidth_katakana_ligatures_and_invisible_characters_are_normalised()
    {
        Assert.Contains("DeepSeek", Classify("ＤｅｅｐＳｅｅｋ shakes chip stocks").MatchedTerms);
        Assert.Contains("NVDA", Classify("ｴﾇﾋﾞﾃﾞｨｱ株が急落").Symbols);
        Assert.Contains("NVDA", Classify("Nvi\u00ADdia sinks as Deep\u200BSeek spreads").Symbols);
        Assert.Contains("DeepSeek", Classify("Nvi\u00ADdia sinks as Deep\u200BSeek spreads").MatchedTerms);
        Assert.Contains("AI stocks", Classify("AI stocks: the ﬁnal selloff?").MatchedTerms);
    }

    [Theory]
    [InlineData("Nvidia soars to record as AI chip demand shows no sign of slowing")]
    [InlineData("TSMC raises forecast on booming AI demand; chip stocks rally")]
    [InlineData("Broadcom jumps as custom AI accelerator orders surge")]
    public void Ai_news_that_is_good_for_chips_is_still_ai_news(string title)
    {
        var c = Classify(title);
        Assert.True(c.IsAi, $"score {c.Score} [{string.Join(", ", c.MatchedTerms)}]");
        Assert.Contains(ClassifierOptions.Semiconductors, c.Groups);
    }

    [Theory]
    [InlineData("Stocks tumble as Trump tariffs spark selloff; Nvidia and Apple lead losses")]
    [InlineData("Nasdaq slides after hot CPI report; chipmakers including Nvidia fall")]
    [InlineData("Fed signals fewer rate cuts, sending tech shares lower")]
    public void Non_ai_selloffs_that_name_ai_companies_are_not_ai_news(string title)
    {
        var c = Classify(title);
        Assert.False(c.IsAi, $"score {c.Score} [{string.Join(", ", c.MatchedTerms)}]");
        Assert.Contains(c.MatchedTerms, t => t.StartsWith("not:", StringComparison.Ordinal));
    }

    [Fact]
    public void Generic_ai_chatter_without_market_context_is_not_ai_news()
    {
        var c = Classify("Meta AI chief Yann LeCun says AI is not yet as smart as a cat");
        Assert.False(c.IsAi);
        Assert.Contains("AI", c.MatchedTerms);
        Assert.Contains("META", c.Symbols);
    }

    [Fact]
    public void Terms_of_one_family_add_only_the_heaviest_weight()
    {
        var one = Classify("OpenAI talks");
        var many = Classify("OpenAI ChatGPT chatbot artificial intelligence talks");
        Assert.Equal(one.Score, many.Score);
        Assert.Contains("chatbot", many.MatchedTerms);
    }

    [Fact]
    public void Market_context_alone_never_makes_ai_news()
    {
        var c = Classify("Chip stocks tumble as investors flee; Nasdaq slides and billions in market value vanish");
        Assert.False(c.IsAi);
        Assert.Equal(0, c.Score);
        Assert.Empty(c.MatchedTerms);
    }

    [Fact]
    public void Negating_context_lowers_the_score_and_is_reported()
    {
        var withoutNegation = Classify("Nvidia leads tech stocks lower");
        var withNegation = Classify("Nvidia leads tech stocks lower as Fed signals fewer rate cuts");
        Assert.True(withoutNegation.IsAi);
        Assert.False(withNegation.IsAi);
        Assert.True(withNegation.Score < withoutNegation.Score);
        Assert.Contains("not:Fed", withNegation.MatchedTerms);
    }

    [Fact]
    public void Longer_negating_phrase_wins_over_the_ai_word_it_contains()
    {
        var c = Classify("AI-generated song tops charts");
        Assert.False(c.IsAi);
        Assert.Contains("not:AI-generated content", c.MatchedTerms);
        Assert.DoesNotContain("AI", c.MatchedTerms);
    }

    [Fact]
    public void Strong_ai_news_survives_a_macro_mention()
    {
        var c = Classify("Stocks fall as DeepSeek fears and tariff worries weigh on chipmakers");
        Assert.True(c.IsAi);
        Assert.Contains("not:tariffs", c.MatchedTerms);
    }

    [Fact]
    public void Sector_topics_give_groups_only_for_ai_news()
    {
        Assert.Equal([ClassifierOptions.MagnificentSeven, ClassifierOptions.Semiconductors],
            Classify("DeepSeek's cheap model rattles markets").Groups);
        Assert.Contains(ClassifierOptions.Semiconductors, Classify("Chip stocks rally on AI demand").Groups);
        Assert.Empty(Classify("Chip stocks slump as tariffs bite").Groups);
        Assert.Empty(Classify("Nvidia declares dividend").Groups);
    }

    [Fact]
    public void Matched_terms_are_listed_in_order_of_first_appearance_title_before_summary()
    {
        var c = Classify("Stargate venture to fund AI data centers", "DeepSeek questions the spending");
        Assert.Equal(["Stargate", "AI", "data-center spending", "DeepSeek", "spending"], c.MatchedTerms);
    }

    [Fact]
    public void A_phrase_never_spans_the_title_and_the_summary()
    {
        var c = Classify("Investors weigh AI", "chips in the budget");
        Assert.DoesNotContain("AI chips", c.MatchedTerms);
    }

    [Fact]
    public void Summary_text_counts()
    {
        Assert.False(Classify("Markets close mixed").IsAi);
        Assert.True(Classify("Markets close mixed", "Nvidia fell after DeepSeek released a cheaper reasoning model").IsAi);
    }

    [Fact]
    public void Provider_ticker_tags_are_normalised_merged_and_invalid_ones_ignored()
    {
        var c = Classify("DeepSeek rattles chip stocks", null, "$nvda", " NASDAQ:AMD ", "TSM", "", "   ", "not a ticker!", "NVDA");
        Assert.Equal(["AMD", "NVDA", "TSM"], c.Symbols);
    }

    [Fact]
    public void Ticker_tags_alone_do_not_make_ai_news()
    {
        var c = Classify("Company announces dividend", null, "NVDA");
        Assert.False(c.IsAi);
        Assert.Equal(["NVDA"], c.Symbols);
    }

    [Fact]
    public void Null_arguments_are_rejected_with_the_parameter_name()
    {
        Assert.Equal("title", Assert.Throws<ArgumentNullException>(() => Classifier.Classify(null!, null, [])).ParamName);
        Assert.Equal("tickers", Assert.Throws<ArgumentNullException>(() => Classifier.Classify("x", null, null!)).ParamName);
    }

    [Fact]
    public void Empty_and_punctuation_only_input_is_not_ai_news()
    {
        foreach (var title in new[] { "", "   ", "!!! ... ---", "&amp;&lt;&gt;", "<p></p>" })
        {
            var c = Classify(title, "");
            Assert.False(c.IsAi);
            Assert.Empty(c.MatchedTerms);
            Assert.Empty(c.Symbols);
        }
    }

    [Fact]
    public void Classifying_the_same_input_twice_or_with_a_second_instance_gives_the_same_result()
    {
        const string title = "Nvidia, TSMC sink as DeepSeek's R1 and V3 models question AI capex; Fed in focus";
        const string summary = "Microsoft, Meta and Alphabet defend data-center spending. 英伟达 市值蒸发";
        var first = Classify(title, summary, "NVDA");
        var second = Classify(title, summary, "NVDA");
        var other = new LexiconHeadlineClassifier(ClassifierOptions.Default).Classify(title, summary, ["NVDA"]);
        foreach (var c in new[] { second, other })
        {
            Assert.Equal(first.IsAi, c.IsAi);
            Assert.Equal(first.Score, c.Score);
            Assert.Equal(first.MatchedTerms, c.MatchedTerms);
            Assert.Equal(first.Symbols, c.Symbols);
            Assert.Equal(first.Groups, c.Groups);
        }
    }

    [Fact]
    public void One_instance_gives_the_same_results_when_used_from_many_threads()
    {
        var titles = LabelledHeadlines.Load(LabelledHeadlines.DevelopmentFile).Select(h => h.Title).ToArray();
        var expected = titles.Select(t => Classify(t)).ToArray();
        var actual = new HeadlineClassification[titles.Length];
        Parallel.For(0, titles.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => actual[i] = Classify(titles[i]));
        for (var i = 0; i < titles.Length; i++)
        {
            Assert.Equal(expected[i].Score, actual[i].Score);
            Assert.Equal(expected[i].MatchedTerms, actual[i].MatchedTerms);
            Assert.Equal(expected[i].Symbols, actual[i].Symbols);
            Assert.Equal(expected[i].Groups, actual[i].Groups);
        }
    }

    [Fact]
    public void Hostile_input_is_bounded_and_never_throws()
    {
        var options = ClassifierOptions.Default;
        var inputs = new[]
        {
            string.Concat(Enumerable.Repeat("<a", 200_000)),
            string.Concat(Enumerable.Repeat("&#", 200_000)),
            string.Concat(Enumerable.Repeat("AI chip* ", 100_000)),
            string.Concat(Enumerable.Repeat("\ud800", 50_000)) + "\udc00x",
            new string('a', 1_000_000),
            string.Concat(Enumerable.Repeat("英伟达", 300_000)),
        };
        foreach (var input in inputs)
        {
            var c = Classifier.Classify(input, input, Enumerable.Repeat("NVDA", 10_000).ToArray());
            Assert.True(c.MatchedTerms.Count < 100);
            Assert.True(c.Symbols.Count <= 1);
        }

        Assert.True(options.MaxInputChars < 1_000_000);
    }

    [Fact]
    public void Text_beyond_the_input_limit_is_ignored()
    {
        var options = ClassifierOptions.Default;
        options.MaxInputChars = 100;
        var classifier = new LexiconHeadlineClassifier(options);
        Assert.True(classifier.Classify("DeepSeek " + new string('x', 200), null, []).IsAi);
        Assert.False(classifier.Classify(new string('x', 200) + " DeepSeek", null, []).IsAi);
    }

    [Fact]
    public void A_configured_term_changes_the_decision_and_is_reported_by_name()
    {
        var options = new ClassifierOptions
        {
            UseBuiltInLexicon = false,
            Threshold = 1.0,
            Terms = [new LexiconTerm { Term = "quantum chip", Weight = 1.5, Variants = ["qubit*"], Groups = ["quantum"] }],
            Symbols = new() { ["IONQ"] = new SymbolAliases { Aliases = ["IonQ"] } },
        };
        var classifier = new LexiconHeadlineClassifier(options);
        var c = classifier.Classify("IonQ doubles its qubits", null, []);
        Assert.True(c.IsAi);
        Assert.Equal(1.5, c.Score);
        Assert.Equal(["quantum chip"], c.MatchedTerms);
        Assert.Equal(["IONQ"], c.Symbols);
        Assert.Equal(["quantum"], c.Groups);
        Assert.False(classifier.Classify("DeepSeek", null, []).IsAi);
    }

    [Fact]
    public void Case_sensitive_terms_match_only_as_written()
    {
        var options = new ClassifierOptions
        {
            UseBuiltInLexicon = false,
            Terms = [new LexiconTerm { Term = "Llama", Weight = 1, CaseSensitive = true }],
        };
        var classifier = new LexiconHeadlineClassifier(options);
        Assert.True(classifier.Classify("Meta ships Llama 4", null, []).IsAi);
        Assert.False(classifier.Classify("Farm buys a llama", null, []).IsAi);
    }

    [Fact]
    public void A_later_term_with_the_same_name_replaces_the_earlier_one_and_can_switch_it_off()
    {
        var reweighted = ClassifierOptions.Default;
        reweighted.Terms.Add(new LexiconTerm { Term = "deepseek", Weight = 0.2 });
        var c = new LexiconHeadlineClassifier(reweighted).Classify("DeepSeek news", null, []);
        Assert.Equal(0.2, c.Score);
        Assert.Equal(["deepseek"], c.MatchedTerms);
        Assert.Empty(new LexiconHeadlineClassifier(reweighted).Classify("深度求索", null, []).MatchedTerms);

        var disabled = ClassifierOptions.Default;
        disabled.Terms.Add(new LexiconTerm { Term = "DeepSeek", Weight = 1, Enabled = false });
        Assert.Empty(new LexiconHeadlineClassifier(disabled).Classify("DeepSeek news", null, []).MatchedTerms);
    }
}
