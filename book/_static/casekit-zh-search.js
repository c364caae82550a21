// The Chinese edition's search. Sphinx 9's language_data.js for zh sets
// `window.Stemmer = ChineseStemmer` but ships only English's stemmer, so every page of a zh
// build throws "ChineseStemmer is not defined". Until Sphinx fixes it, Chinese search stems
// the Latin words of a query as English (Chinese words are not stemmed).
var ChineseStemmer = function () { return new EnglishStemmer(); };
