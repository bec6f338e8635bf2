"""Is a message in the Latin alphabet written in another language than English? (pure, stdlib)

Other alphabets are caught by their letters (bot.text.script_profile); Spanish, French, German,
Portuguese and Italian share English's. They are told apart here by the words every sentence
needs: articles, pronouns, prepositions, question words and the few verbs a question about a
supplement uses ("debo tomar", "prendre", "nehmen"), plus how those languages spell glutamine
and the gut. No model and no dependency: a few hundred words, and a rule that stays on the
side of English. A message is foreign only when at least FOREIGN_WORDS of its words are
typical of one language, and more of them than of English's common words. So an English
question naming a foreign brand or a misspelt word ("glutamina powder, how much a day") stays
English, and a one-word "hola" stays the greeting it is.
"""

from __future__ import annotations

import re
import unicodedata

FOREIGN_WORDS = 2  # at least this many typical words of one language...
# ...and no fewer than this share of the message's words (a long English story quoting a
# two-word foreign phrase stays English)
FOREIGN_SHARE = 0.3

_LETTERS = re.compile(r"[^\W\d_]+")

# Words English also uses as words ("a", "me", "no", "son", "die", "also") are left out: they
# prove nothing. Accents are folded before comparing, so each word is listed once, plain.
_TYPICAL: dict[str, str] = {
    "es": """el la los las un una unos unas del al y o pero que cual cuales quien como cuando
        donde cuanto cuanta cuantos cuantas porque por para con sin sobre entre hasta desde es son
        esta estan estoy soy ser estar hay tengo tiene tienen puedo puede pueden debo debe deben
        quiero quiere tomar tomo tomando dosis cuantos mucho mucha muy mas menos tambien mi mis
        tu su sus nuestro yo usted ustedes ella ellos eso esto este sirve sirven bueno buena malo
        glutamina intestino intestinos permeable permeabilidad intestinal dia dias gramos
        hola gracias adios buenos buenas tardes noches ayuda sintomas efectos secundarios
        embarazo ninos hijo hija""",
    "fr": """le la les un une des du au aux et ou mais que qui quoi quel quelle quels quelles
        comment quand combien pourquoi est sont suis etre avoir ai peut peux puis dois doit
        prendre prends prend faut il elle ils elles je tu nous vous mon ma mes ton ta tes son sa
        ses notre votre leur avec sans pour dans sur chez tres plus moins aussi bien bon bonne
        ce cette ces cet glutamine intestin intestins intestinale permeable permeabilite jour
        jours grammes bonjour salut merci beaucoup revoir aide symptomes effets secondaires
        grossesse enfants enfant pas ne y en""",
    "de": """der die das den dem des ein eine einen einem einer und oder aber dass wer wie wann
        wo warum wieviel wieviele viel viele welche welcher welches ist sind bin sein habe hat
        haben kann kannst konnen muss soll sollte darf ich du er sie wir ihr mein meine dein
        mit ohne fur auf bei nach von zu zum zur sehr mehr weniger auch gut nicht kein keine
        nehmen nehme einnehmen glutamin darm darms durchlassig tag tage taglich gramm hallo
        danke schon tschuss hilfe nebenwirkungen schwangerschaft kinder kind gegen""",
    "pt": """o os um uma uns umas do da dos das no na nos nas ao e ou mas que qual quais quem
        como quando onde quanto quanta quantos quantas porque por para com sem sobre entre
        ate desde e sao esta estao estou sou ser estar tem tenho posso pode podem devo deve
        devem quero quer tomar tomo tomando dose muito muita mais menos tambem meu minha meus
        seu sua voce eu ele ela eles isso isto este glutamina intestino permeavel intestinal
        dia dias gramas ola obrigado obrigada tchau ajuda sintomas efeitos colaterais gravidez
        criancas filho filha faz mal""",
    "it": """il lo la gli le un uno una del della dei degli delle al alla ai e o ma che chi
        cosa quale quali come quando dove quanto quanta quanti quante perche per con senza su
        tra fra da di e sono sei essere avere ho ha hanno posso puo possono devo deve devono
        voglio vuole prendere prendo assumere assumo dose molto molta piu meno anche mio mia
        miei tuo suo sua io lui lei loro questo questa quello glutamina intestino permeabile
        intestinale giorno giorni grammi ciao grazie arrivederci aiuto sintomi effetti
        collaterali gravidanza bambini figlio figlia non glutammina fa bene""",
}

# English's common words, for the other side of the scale, and to strike from the lists above
# every word English uses too ("a", "no", "me", "come", "son", "die", "also", "glutamine").
_ENGLISH = set(
    str.split(
        """a an the and or but if of to in on at for with without from by about as into than then
    so is are was were be been being am do does did done have has had can could should would
    will shall may might must i me my mine you your yours he him his she her it its we us our
    they them their this that these those what which who whom whose how when where why much
    many more most less few some any all no not yes very too also just only even still here
    there take taking taken took use using used safe dose doses day days daily gram grams
    help good bad ok okay hi hello hey thanks thank bye please glutamine gut leaky supplement
    powder capsule pill kids child children pregnant pregnancy side effects work works long
    enough high low need want know get got one two per come son die fine pain kind tag er plus
    comment ton tons ta ai aide yo intestinal permeable um com ate dove non hat bin man den con
    sin"""
    )
)
_LISTS = {
    lang: frozenset(w for w in words.split() if w not in _ENGLISH)
    for lang, words in _TYPICAL.items()
}


def _plain_words(text: str) -> list[str]:
    """Lower-case words with their accents folded ("cuánta" -> "cuanta", "für" -> "fur")."""
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return _LETTERS.findall(plain.replace("ß", "ss"))


def foreign_language(text: str) -> str | None:
    """The language code ("es", "fr", "de", "pt", "it") a Latin-alphabet message is written
    in, or None when it reads as English (or too little is said to tell)."""
    said = _plain_words(text)
    if not said:
        return None
    english = sum(w in _ENGLISH for w in said)
    best, count = None, 0
    for lang, typical in _LISTS.items():
        found = sum(w in typical for w in said)
        if found > count:
            best, count = lang, found
    if count >= FOREIGN_WORDS and count > english and count >= FOREIGN_SHARE * len(said):
        return best
    return None
